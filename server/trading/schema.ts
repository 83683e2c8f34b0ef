// The paper-trading concepts, one zod schema each, shared by tRPC, REST and the SPA. Amounts are
// decimal strings on the wire (money.ts); requests may send them as numbers or strings.
import { z } from 'zod';
import { TickerSchema, TimeframeSchema } from '../market-data/schema';
import { DirectionSchema, LiveAccuracySchema, PredictionRowSchema } from '../predictions/schema';
import { PageQuerySchema } from '../shared/pagination';
import { IsoDateTimeSchema, QueryDateSchema } from '../shared/time';
import { DecimalStringSchema, PositiveDecimalSchema } from './money';

/** One of `values`, in the plan's upper case; lower case is accepted too. */
const upperEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().trim().toUpperCase().pipe(z.enum(values)).describe(`${values.join(' | ')} (lower case accepted)`);

const SIDES = ['BUY', 'SELL'] as const;
const ORDER_TYPES = ['MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT'] as const;
const TIMES_IN_FORCE = ['DAY', 'GTC', 'IOC', 'FOK'] as const;
const ORDER_STATUSES = ['NEW', 'FILLED', 'CANCELED', 'EXPIRED', 'REJECTED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type OrderType = (typeof ORDER_TYPES)[number];
export type TimeInForce = (typeof TIMES_IN_FORCE)[number];
export type Side = (typeof SIDES)[number];

const ActionSchema = z.enum(['BUY', 'SELL', 'HOLD']);

/** Bounded so that quantity × price fits the NUMERIC(26,6) amount columns. */
const MAX_QUANTITY = 1e9;
const MAX_PRICE = 1e9;
const Quantity = PositiveDecimalSchema(MAX_QUANTITY, 'quantity');
const LimitPrice = PositiveDecimalSchema(MAX_PRICE, 'limitPrice');
const StopPrice = PositiveDecimalSchema(MAX_PRICE, 'stopPrice');

const needsLimit = (type: OrderType) => type === 'LIMIT' || type === 'STOP_LIMIT';
const needsStop = (type: OrderType) => type === 'STOP' || type === 'STOP_LIMIT';

/** The prices an order type needs, and no others. */
function checkPrices(o: { type: OrderType; limitPrice?: string; stopPrice?: string }, ctx: z.RefinementCtx) {
  if (needsLimit(o.type) !== (o.limitPrice !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['limitPrice'], message: 'limitPrice is required for LIMIT and STOP_LIMIT orders and not allowed for the others' });
  }
  if (needsStop(o.type) !== (o.stopPrice !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['stopPrice'], message: 'stopPrice is required for STOP and STOP_LIMIT orders and not allowed for the others' });
  }
}

export const SignalsQuerySchema = z.object({
  ticker: TickerSchema.optional(),
  timeframe: TimeframeSchema.optional(),
  minConfidence: z.coerce.number<number>().min(0).max(1).default(0.6).describe('BUY/SELL only at or above this confidence'),
  minLiveAccuracy: z.coerce
    .number<number>()
    .min(0)
    .max(1)
    .default(0)
    .describe("BUY/SELL only when the model's liveAccuracy is at or above this (0, the default: any; above 0 a model without resolved predictions HOLDs)"),
});
export type SignalsQuery = z.infer<typeof SignalsQuerySchema>;

const SignalSchema = z.object({
  ticker: z.string(),
  timeframe: TimeframeSchema,
  action: ActionSchema,
  reason: z.string(),
  direction: DirectionSchema,
  confidence: z.number(),
  predictedPrice: z.number().nullable(),
  predictedChange: z.number().nullable(),
  predictionId: z.uuid(),
  predictionTime: IsoDateTimeSchema,
  targetTime: IsoDateTimeSchema,
  model: z.object({ id: z.uuid(), name: z.string(), algorithm: z.string(), version: z.string(), accuracy: z.number().nullable(), ...LiveAccuracySchema.shape }),
  prediction: PredictionRowSchema,
});
export type Signal = z.infer<typeof SignalSchema>;

export const SignalsResponseSchema = z.object({
  success: z.literal(true),
  count: z.number(),
  signals: z.array(SignalSchema),
  timestamp: IsoDateTimeSchema,
});

export const ExecuteInputSchema = z
  .object({
    ticker: TickerSchema,
    side: upperEnum(SIDES),
    type: upperEnum(ORDER_TYPES).default('MARKET'),
    quantity: Quantity.describe('Shares: a decimal string or number, up to 6 decimals'),
    limitPrice: LimitPrice.optional().describe('Required for LIMIT and STOP_LIMIT orders, refused for the others'),
    stopPrice: StopPrice.optional().describe('Required for STOP and STOP_LIMIT orders, refused for the others'),
    timeInForce: upperEnum(TIMES_IN_FORCE).default('DAY'),
    clientOrderId: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .optional()
      .describe('Your id for the order: a retry with the same id and body returns the same order (header Idempotent-Replayed: true); a different body gets 409'),
    strategy: z.string().trim().min(1).max(100).optional().describe('What placed the order: "ML_Signal", "Manual", "Hedge", ...'),
    modelId: z.uuid().optional(),
    predictionId: z.uuid().optional().describe('Must name a stored prediction'),
    notes: z.string().max(1000).optional(),
  })
  .superRefine(checkPrices);
export type ExecuteInput = z.infer<typeof ExecuteInputSchema>;

const OrderSchema = z.object({
  id: z.uuid(),
  clientOrderId: z.string().nullable(),
  ticker: z.string(),
  side: z.enum(SIDES),
  type: z.enum(ORDER_TYPES),
  timeInForce: z.enum(TIMES_IN_FORCE),
  quantity: DecimalStringSchema,
  status: z.enum(ORDER_STATUSES),
  statusReason: z.string().nullable().describe('Why the order was rejected, canceled or expired'),
  price: DecimalStringSchema.nullable().describe('Fill price; null until filled'),
  limitPrice: DecimalStringSchema.nullable(),
  stopPrice: DecimalStringSchema.nullable(),
  totalValue: DecimalStringSchema.nullable().describe('quantity * price; null until filled'),
  fees: DecimalStringSchema,
  orderTime: IsoDateTimeSchema,
  executionTime: IsoDateTimeSchema.nullable().describe('Fill time: the start of the bar it filled on'),
  expiresAt: IsoDateTimeSchema.nullable().describe('DAY orders: the close of their session'),
  triggeredAt: IsoDateTimeSchema.nullable().describe('STOP/STOP_LIMIT: when the stop was touched'),
  replacesId: z.uuid().nullable().describe('The order this one replaced (PATCH)'),
  modelId: z.uuid().nullable(),
  predictionId: z.uuid().nullable(),
  strategy: z.string().nullable(),
  notes: z.string().nullable(),
  exitPrice: DecimalStringSchema.nullable().describe('A fill that reduces a position: its fill price'),
  exitTime: IsoDateTimeSchema.nullable(),
  profitLoss: DecimalStringSchema.nullable().describe('Realised P&L of a reducing fill: (price - average entry) * quantity (reversed for shorts) - fees'),
  profitLossPct: z.number().nullable().describe('profitLoss in percent of the cost of the quantity closed (2.5 = 2.5 %)'),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type OrderRow = z.infer<typeof OrderSchema>;

/** A position as stored (the plan's Portfolio row): prices and P&L as of its last fill. */
const PositionSchema = z.object({
  id: z.uuid(),
  ticker: z.string(),
  quantity: DecimalStringSchema.describe('Negative for a short position'),
  avgEntryPrice: DecimalStringSchema,
  currentPrice: DecimalStringSchema.nullable(),
  marketValue: DecimalStringSchema.nullable(),
  unrealizedPnL: DecimalStringSchema.nullable(),
  unrealizedPnLPct: z.number().nullable().describe('unrealizedPnL in percent of the position cost (2.5 = 2.5 %); null when flat'),
  realizedPnL: DecimalStringSchema,
  stopLoss: DecimalStringSchema.nullable(),
  takeProfit: DecimalStringSchema.nullable(),
  updatedAt: IsoDateTimeSchema,
});
export type PositionRow = z.infer<typeof PositionSchema>;

export const ExecuteResponseSchema = z.object({
  success: z.literal(true),
  created: z.boolean().describe('false when clientOrderId named an order already placed (a replay)'),
  order: OrderSchema,
  position: PositionSchema.nullable().describe('The position after the fill; null for an order that did not fill'),
});

export const OrderIdSchema = z.object({ id: z.uuid() });

export const ReplaceOrderInputSchema = z.object({
  id: z.uuid(),
  quantity: Quantity.optional(),
  limitPrice: LimitPrice.optional(),
  stopPrice: StopPrice.optional(),
  timeInForce: upperEnum(TIMES_IN_FORCE).optional(),
  clientOrderId: z.string().trim().min(1).max(128).optional().describe("The new order's clientOrderId"),
});
export type ReplaceOrderInput = z.infer<typeof ReplaceOrderInputSchema>;

export const OrderResponseSchema = z.object({ success: z.literal(true), order: OrderSchema });

export const ReplaceResponseSchema = z.object({
  success: z.literal(true),
  order: OrderSchema.describe('The new order'),
  replaced: OrderSchema.describe('The old order, now CANCELED'),
});

export const OrdersQuerySchema = z.object({
  status: z.enum(['open', 'closed', 'all']).default('open').describe('open: NEW; closed: FILLED, CANCELED, EXPIRED, REJECTED'),
  ticker: TickerSchema.optional(),
  limit: z.coerce.number<number>().int().min(1).max(500).default(100),
});
export type OrdersQuery = z.infer<typeof OrdersQuerySchema>;

export const OrdersResponseSchema = z.object({ success: z.literal(true), count: z.number(), orders: z.array(OrderSchema) });

/** A position valued now: currentPrice, marketValue and the unrealised P&L at the newest bar. */
const ValuedPositionSchema = PositionSchema.extend({
  currentPrice: DecimalStringSchema.nullable().describe('Close of the newest bar; null without market data'),
  priceTime: IsoDateTimeSchema.nullable(),
  costBasis: DecimalStringSchema,
});
export type ValuedPosition = z.infer<typeof ValuedPositionSchema>;

export const PortfolioResponseSchema = z.object({
  success: z.literal(true),
  positions: z.array(ValuedPositionSchema),
  totals: z.object({
    marketValue: DecimalStringSchema.describe('Over positions with a price'),
    costBasis: DecimalStringSchema,
    unrealizedPnL: DecimalStringSchema,
    realizedPnL: DecimalStringSchema,
  }),
  timestamp: IsoDateTimeSchema,
});

export const ClosePositionInputSchema = z.object({ ticker: TickerSchema });

const AccountSchema = z.object({
  cash: DecimalStringSchema,
  buyingPower: DecimalStringSchema.describe('cash minus what open BUY orders (and, with shorting, open short SELLs) would cost'),
  positionsValue: DecimalStringSchema.describe('Long market value minus short market value, at the newest bars'),
  equity: DecimalStringSchema.describe('cash + positionsValue'),
  startingCash: DecimalStringSchema,
  lastEquity: DecimalStringSchema.describe('Equity at the previous session close (the first snapshot before today\'s session, else startingCash)'),
  dayPnL: DecimalStringSchema.describe('equity - lastEquity'),
  totalPnL: DecimalStringSchema.describe('equity - startingCash'),
  realizedPnL: DecimalStringSchema,
  unrealizedPnL: DecimalStringSchema,
  allowShort: z.boolean(),
});
export type Account = z.infer<typeof AccountSchema>;

export const AccountResponseSchema = z.object({ success: z.literal(true), account: AccountSchema, timestamp: IsoDateTimeSchema });

export const EquityHistoryQuerySchema = z.object({ limit: z.coerce.number<number>().int().min(1).max(5000).default(500) });

const EquityPointSchema = z.object({ time: IsoDateTimeSchema, cash: DecimalStringSchema, positionsValue: DecimalStringSchema, equity: DecimalStringSchema });
export type EquityPoint = z.infer<typeof EquityPointSchema>;

export const EquityHistoryResponseSchema = z.object({ success: z.literal(true), count: z.number(), points: z.array(EquityPointSchema) });

export const HistoryQuerySchema = z.object({
  ticker: TickerSchema.optional(),
  from: QueryDateSchema.optional().describe('orderTime >= from'),
  to: QueryDateSchema.optional().describe('orderTime < to'),
  status: upperEnum(ORDER_STATUSES).optional(),
  ...PageQuerySchema.shape,
});
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;

export const HistoryResponseSchema = z.object({
  success: z.literal(true),
  count: z.number(),
  trades: z.array(OrderSchema),
  nextCursor: z.string().nullable(),
});
