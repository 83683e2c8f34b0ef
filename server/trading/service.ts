// Paper-trading rules: signals from the active models' open predictions, fills at the newest bar's
// close, average-cost positions with realised P&L, no short selling, idempotent client order ids.
import type { ModelSummary, PredictionRecord, PredictionRepository } from '../predictions/repository';
import { DomainError } from '../shared/domain-error';
import { toPage } from '../shared/pagination';
import { toIso } from '../shared/time';
import type { PricedPosition, TradeRecord, TradingRepository } from './repository';
import type { ExecuteInput, HistoryQuery, Position, Signal, SignalsQuery, TradeRow, ValuedPosition } from './schema';

/** Quantities are floats: differences below this are rounding, not shares. */
const QUANTITY_EPSILON = 1e-9;

function toTradeRow(t: TradeRecord): TradeRow {
  return { ...t, executedAt: toIso(t.executedAt), createdAt: toIso(t.createdAt) };
}

/** BUY on a confident UP call, SELL on a confident DOWN call, HOLD otherwise (saying why). */
function toSignal(p: PredictionRecord & ModelSummary, minConfidence: number, now: Date): Signal {
  let action: Signal['action'] = 'HOLD';
  let reason: string;
  if (p.targetTime <= now) reason = 'the prediction has expired (its target time has passed)';
  else if (p.confidence < minConfidence) reason = `confidence ${p.confidence} is below ${minConfidence}`;
  else if (p.predictedDirection === 'NEUTRAL') reason = 'the model expects no move';
  else {
    action = p.predictedDirection === 'UP' ? 'BUY' : 'SELL';
    reason = `${p.predictedDirection} with confidence ${p.confidence}`;
  }
  return {
    ticker: p.ticker,
    timeframe: p.timeframe,
    action,
    reason,
    predictedDirection: p.predictedDirection,
    confidence: p.confidence,
    predictedPrice: p.predictedPrice,
    predictedChange: p.predictedChange,
    predictionId: p.id,
    predictionTime: toIso(p.predictionTime),
    targetTime: toIso(p.targetTime),
    model: { id: p.modelId, name: p.modelName, version: p.modelVersion },
  };
}

/**
 * The price a paper order fills at now, or null if it rests: MARKET at the last close; LIMIT at
 * the last close when that is at least as good as the limit. (ExecuteInputSchema sets limitPrice
 * exactly for LIMIT orders.)
 */
function fillPrice(order: Pick<ExecuteInput, 'ticker' | 'side' | 'limitPrice'>, last: number | null): number | null {
  const { limitPrice } = order;
  if (limitPrice === undefined) {
    if (last === null) throw DomainError.notFound(`No market data for ${order.ticker}: a market order needs a last price`);
    return last;
  }
  if (last === null) return null;
  const marketable = order.side === 'BUY' ? last <= limitPrice : last >= limitPrice;
  return marketable ? last : null;
}

/** Average-cost accounting: buys move the average price, sells realise (price - average) * quantity. */
function applyFill(before: Position, side: 'BUY' | 'SELL', quantity: number, price: number): { position: Position; realizedPnl: number | null } {
  if (side === 'BUY') {
    const held = before.quantity + quantity;
    return {
      position: { ...before, quantity: held, averagePrice: (before.quantity * before.averagePrice + quantity * price) / held },
      realizedPnl: null,
    };
  }
  if (quantity > before.quantity + QUANTITY_EPSILON) {
    throw DomainError.conflict(`Cannot sell ${quantity} ${before.ticker}: the position holds ${before.quantity} (short selling is not supported)`);
  }
  const realizedPnl = (price - before.averagePrice) * quantity;
  const left = before.quantity - quantity;
  const flat = left < QUANTITY_EPSILON;
  return {
    position: { ...before, quantity: flat ? 0 : left, averagePrice: flat ? 0 : before.averagePrice, realizedPnl: before.realizedPnl + realizedPnl },
    realizedPnl,
  };
}

function valuePosition({ priceTime, ...p }: PricedPosition): ValuedPosition {
  const costBasis = p.quantity * p.averagePrice;
  const marketValue = p.currentPrice === null ? null : p.quantity * p.currentPrice;
  return { ...p, priceTime: toIso(priceTime), costBasis, marketValue, unrealizedPnl: marketValue === null ? null : marketValue - costBasis };
}

export interface ExecuteResult {
  created: boolean;
  trade: TradeRow;
  position: Position | null;
}

const pgError = (error: unknown) => error as { code?: string; constraint?: string };

export class TradingService {
  constructor(
    readonly repository: TradingRepository,
    private readonly predictions: PredictionRepository,
  ) {}

  async signals({ minConfidence, ...filter }: SignalsQuery, now = new Date()): Promise<Signal[]> {
    return (await this.predictions.latestUnresolvedOfActiveModels(filter)).map((p) => toSignal(p, minConfidence, now));
  }

  /**
   * Places a paper order. The trade row and the position update commit together; a retry with
   * the same clientOrderId (even one racing the first) gets the first trade back.
   */
  async execute(order: ExecuteInput, now = new Date()): Promise<ExecuteResult> {
    const placed = order.clientOrderId ? await this.repository.findByClientOrderId(order.clientOrderId) : null;
    if (placed) return this.replay(placed, order);
    try {
      return await this.repository.transaction(async (tx) => {
        const last = await tx.latestPrice(order.ticker);
        const price = fillPrice(order, last?.price ?? null);
        const trade = { ...order, limitPrice: order.limitPrice ?? null, price, executedAt: price === null ? null : now };
        if (price === null) {
          return { created: true, trade: toTradeRow(await tx.insertTrade({ ...trade, status: 'PENDING', realizedPnl: null })), position: null };
        }
        const { position, realizedPnl } = applyFill(await tx.lockPosition(order.ticker), order.side, order.quantity, price);
        await tx.savePosition(position, price);
        return { created: true, trade: toTradeRow(await tx.insertTrade({ ...trade, status: 'FILLED', realizedPnl })), position };
      });
    } catch (error) {
      if (pgError(error).constraint === 'trades_client_order_id_key' && order.clientOrderId) {
        const winner = await this.repository.findByClientOrderId(order.clientOrderId);
        if (winner) return this.replay(winner, order);
      }
      if (pgError(error).constraint === 'trades_model_id_fkey') throw DomainError.notFound(`Model ${order.modelId} is not registered`, error);
      throw error;
    }
  }

  async portfolio() {
    const positions = (await this.repository.positions()).map(valuePosition);
    const sum = (pick: (p: ValuedPosition) => number | null) => positions.reduce((total, p) => total + (pick(p) ?? 0), 0);
    return {
      positions,
      totals: {
        marketValue: sum((p) => p.marketValue),
        costBasis: sum((p) => p.costBasis),
        unrealizedPnl: sum((p) => p.unrealizedPnl),
        realizedPnl: sum((p) => p.realizedPnl),
      },
    };
  }

  async history(query: HistoryQuery) {
    const rows = await this.repository.listTrades({ ...query, limit: query.limit + 1 });
    return toPage(rows, query.limit, (t) => ({ time: t.createdAt, id: t.id }), toTradeRow);
  }

  /** The answer to a repeated clientOrderId: the first trade, unless the order differs from it. */
  private async replay(placed: TradeRecord, order: ExecuteInput): Promise<ExecuteResult> {
    const same =
      placed.ticker === order.ticker &&
      placed.side === order.side &&
      placed.quantity === order.quantity &&
      placed.orderType === order.orderType &&
      placed.limitPrice === (order.limitPrice ?? null);
    if (!same) {
      throw DomainError.conflict(`clientOrderId ${order.clientOrderId} was already used for a different order`);
    }
    const position = placed.status === 'FILLED' ? await this.repository.findPosition(placed.ticker) : null;
    return { created: false, trade: toTradeRow(placed), position };
  }
}
