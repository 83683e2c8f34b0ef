// The paper-trading concepts, one zod schema each, shared by tRPC, REST and the SPA.
import { z } from 'zod';
import { TickerSchema, TimeframeSchema } from '../market-data/schema';
import { DirectionSchema, LiveAccuracySchema, PredictionRowSchema } from '../predictions/schema';
import { PageQuerySchema } from '../shared/pagination';
import { IsoDateTimeSchema, QueryDateSchema } from '../shared/time';

const SideSchema = z.enum(['BUY', 'SELL']);
const OrderTypeSchema = z.enum(['MARKET', 'LIMIT']);
const TradeStatusSchema = z.enum(['PENDING', 'FILLED', 'CANCELED', 'FAILED']);
const ActionSchema = z.enum(['BUY', 'SELL', 'HOLD']);

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
    side: SideSchema,
    // Bounded, as bar prices are (market-data's MAX_PRICE): quantity × price stays a finite float.
    quantity: z.number().positive().max(1e12),
    type: OrderTypeSchema.default('MARKET'),
    limitPrice: z.number().positive().optional().describe('Required for LIMIT orders, refused for MARKET ones'),
    clientOrderId: z.string().trim().min(1).max(128).optional().describe('Your id for the order: a retry with the same id returns the same trade'),
    strategy: z.string().trim().min(1).max(100).optional().describe('What placed the order: "ML_Signal", "Manual", "Hedge", ...'),
    modelId: z.uuid().optional(),
    predictionId: z.uuid().optional(),
    notes: z.string().max(1000).optional(),
  })
  .refine((o) => (o.type === 'LIMIT') === (o.limitPrice !== undefined), {
    path: ['limitPrice'],
    message: 'limitPrice is required for LIMIT orders and not allowed for MARKET orders',
  });
export type ExecuteInput = z.infer<typeof ExecuteInputSchema>;

const TradeRowSchema = z.object({
  id: z.uuid(),
  clientOrderId: z.string().nullable(),
  ticker: z.string(),
  side: SideSchema,
  type: OrderTypeSchema,
  quantity: z.number(),
  price: z.number().nullable().describe('Fill price; null until filled'),
  limitPrice: z.number().nullable(),
  totalValue: z.number().nullable().describe('quantity * price; null until filled'),
  fees: z.number(),
  orderTime: IsoDateTimeSchema,
  executionTime: IsoDateTimeSchema.nullable(),
  status: TradeStatusSchema,
  modelId: z.uuid().nullable(),
  predictionId: z.uuid().nullable(),
  strategy: z.string().nullable(),
  notes: z.string().nullable(),
  exitPrice: z.number().nullable().describe('A SELL fill closes (part of) a position: its fill price'),
  exitTime: IsoDateTimeSchema.nullable(),
  profitLoss: z.number().nullable().describe('Realised P&L of a SELL fill: (price - average entry price) * quantity'),
  profitLossPct: z.number().nullable().describe('profitLoss in percent of the cost of the quantity sold (2.5 = 2.5 %)'),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type TradeRow = z.infer<typeof TradeRowSchema>;

/** A position as stored (the plan's Portfolio row): prices and P&L as of its last fill. */
const PositionSchema = z.object({
  id: z.uuid(),
  ticker: z.string(),
  quantity: z.number(),
  avgEntryPrice: z.number(),
  currentPrice: z.number().nullable(),
  marketValue: z.number().nullable(),
  unrealizedPnL: z.number().nullable(),
  unrealizedPnLPct: z.number().nullable().describe('unrealizedPnL in percent of the position cost (2.5 = 2.5 %); null when flat'),
  realizedPnL: z.number(),
  stopLoss: z.number().nullable(),
  takeProfit: z.number().nullable(),
  updatedAt: IsoDateTimeSchema,
});
export type PositionRow = z.infer<typeof PositionSchema>;

export const ExecuteResponseSchema = z.object({
  success: z.literal(true),
  created: z.boolean().describe('false when clientOrderId named an order already placed'),
  trade: TradeRowSchema,
  position: PositionSchema.nullable().describe('The position after the fill; null for an order that did not fill'),
});

/** A position valued now: currentPrice, marketValue and the unrealised P&L at the newest bar. */
const ValuedPositionSchema = PositionSchema.extend({
  currentPrice: z.number().nullable().describe('Close of the newest bar; null without market data'),
  priceTime: IsoDateTimeSchema.nullable(),
  costBasis: z.number(),
});
export type ValuedPosition = z.infer<typeof ValuedPositionSchema>;

export const PortfolioResponseSchema = z.object({
  success: z.literal(true),
  positions: z.array(ValuedPositionSchema),
  totals: z.object({
    marketValue: z.number().describe('Over positions with a price'),
    costBasis: z.number(),
    unrealizedPnL: z.number(),
    realizedPnL: z.number(),
  }),
  timestamp: IsoDateTimeSchema,
});

export const HistoryQuerySchema = z.object({
  ticker: TickerSchema.optional(),
  from: QueryDateSchema.optional().describe('orderTime >= from'),
  to: QueryDateSchema.optional().describe('orderTime < to'),
  status: TradeStatusSchema.optional(),
  ...PageQuerySchema.shape,
});
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;

export const HistoryResponseSchema = z.object({
  success: z.literal(true),
  count: z.number(),
  trades: z.array(TradeRowSchema),
  nextCursor: z.string().nullable(),
});
