// The paper-trading concepts, one zod schema each, shared by tRPC, REST and the SPA.
import { z } from 'zod';
import { TickerSchema, TimeframeSchema } from '../market-data/schema';
import { DirectionSchema } from '../predictions/schema';
import { PageQuerySchema } from '../shared/pagination';
import { IsoDateTimeSchema, QueryDateSchema } from '../shared/time';

const SideSchema = z.enum(['BUY', 'SELL']);
const OrderTypeSchema = z.enum(['MARKET', 'LIMIT']);
const TradeStatusSchema = z.enum(['PENDING', 'FILLED', 'CANCELLED', 'REJECTED']);
const ActionSchema = z.enum(['BUY', 'SELL', 'HOLD']);

export const SignalsQuerySchema = z.object({
  ticker: TickerSchema.optional(),
  timeframe: TimeframeSchema.optional(),
  minConfidence: z.coerce.number<number>().min(0).max(1).default(0.6).describe('BUY/SELL only at or above this confidence'),
});
export type SignalsQuery = z.infer<typeof SignalsQuerySchema>;

const SignalSchema = z.object({
  ticker: z.string(),
  timeframe: TimeframeSchema,
  action: ActionSchema,
  reason: z.string(),
  predictedDirection: DirectionSchema,
  confidence: z.number(),
  predictedPrice: z.number().nullable(),
  predictedChange: z.number().nullable(),
  predictionId: z.uuid(),
  predictionTime: IsoDateTimeSchema,
  targetTime: IsoDateTimeSchema,
  model: z.object({ id: z.uuid(), name: z.string(), version: z.string() }),
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
    quantity: z.number().positive(),
    orderType: OrderTypeSchema.default('MARKET'),
    limitPrice: z.number().positive().optional().describe('Required for LIMIT orders, refused for MARKET ones'),
    clientOrderId: z.string().trim().min(1).max(128).optional().describe('Your id for the order: a retry with the same id returns the same trade'),
    modelId: z.uuid().optional(),
    predictionId: z.uuid().optional(),
    notes: z.string().max(1000).optional(),
  })
  .refine((o) => (o.orderType === 'LIMIT') === (o.limitPrice !== undefined), {
    path: ['limitPrice'],
    message: 'limitPrice is required for LIMIT orders and not allowed for MARKET orders',
  });
export type ExecuteInput = z.infer<typeof ExecuteInputSchema>;

const TradeRowSchema = z.object({
  id: z.uuid(),
  clientOrderId: z.string().nullable(),
  ticker: z.string(),
  side: SideSchema,
  quantity: z.number(),
  price: z.number().nullable().describe('Fill price; null while PENDING'),
  orderType: OrderTypeSchema,
  limitPrice: z.number().nullable(),
  status: TradeStatusSchema,
  commission: z.number(),
  realizedPnl: z.number().nullable(),
  modelId: z.uuid().nullable(),
  predictionId: z.uuid().nullable(),
  notes: z.string().nullable(),
  executedAt: IsoDateTimeSchema.nullable(),
  createdAt: IsoDateTimeSchema,
});
export type TradeRow = z.infer<typeof TradeRowSchema>;

/** A stored position: what was bought, at what average price, and what selling has realised. */
const PositionSchema = z.object({
  ticker: z.string(),
  quantity: z.number(),
  averagePrice: z.number(),
  realizedPnl: z.number(),
});
export type Position = z.infer<typeof PositionSchema>;

export const ExecuteResponseSchema = z.object({
  success: z.literal(true),
  created: z.boolean().describe('false when clientOrderId named an order already placed'),
  trade: TradeRowSchema,
  position: PositionSchema.nullable().describe('The position after the fill; null for an order that did not fill'),
});

const ValuedPositionSchema = PositionSchema.extend({
  currentPrice: z.number().nullable().describe('Close of the newest bar; null without market data'),
  priceTime: IsoDateTimeSchema.nullable(),
  marketValue: z.number().nullable(),
  costBasis: z.number(),
  unrealizedPnl: z.number().nullable(),
});
export type ValuedPosition = z.infer<typeof ValuedPositionSchema>;

export const PortfolioResponseSchema = z.object({
  success: z.literal(true),
  positions: z.array(ValuedPositionSchema),
  totals: z.object({
    marketValue: z.number().describe('Over positions with a price'),
    costBasis: z.number(),
    unrealizedPnl: z.number(),
    realizedPnl: z.number(),
  }),
  timestamp: IsoDateTimeSchema,
});

export const HistoryQuerySchema = z.object({
  ticker: TickerSchema.optional(),
  from: QueryDateSchema.optional().describe('createdAt >= from'),
  to: QueryDateSchema.optional().describe('createdAt < to'),
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
