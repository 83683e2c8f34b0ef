// Paper-trading rules: signals from the active models' open predictions, fills at the newest bar's
// close, average-cost positions with realised P&L, no short selling, idempotent client order ids.
import type { ReadCache } from '../db/read-cache';
import type { ModelSummary, PredictionRecord, PredictionRepository } from '../predictions/repository';
import { toPredictionRow } from '../predictions/service';
import { DomainError } from '../shared/domain-error';
import { toPage } from '../shared/pagination';
import { toIso } from '../shared/time';
import type { Position, PositionRecord, PricedPosition, TradeRecord, TradingRepository, ValuedAt } from './repository';
import type { ExecuteInput, HistoryQuery, PositionRow, Signal, SignalsQuery, TradeRow, ValuedPosition } from './schema';

/** Quantities are floats: differences below this are rounding, not shares. */
const QUANTITY_EPSILON = 1e-9;

function toTradeRow(t: TradeRecord): TradeRow {
  return {
    ...t,
    orderTime: toIso(t.orderTime),
    executionTime: toIso(t.executionTime),
    exitTime: toIso(t.exitTime),
    createdAt: toIso(t.createdAt),
    updatedAt: toIso(t.updatedAt),
  };
}

function toPositionRow(p: PositionRecord): PositionRow {
  return { ...p, updatedAt: toIso(p.updatedAt) };
}

/** `part` in percent of `whole` (2.5 = 2.5 %); null when `whole` is not positive (nothing held). */
function percentOf(part: number, whole: number): number | null {
  return whole > 0 ? (part / whole) * 100 : null;
}

/** A position's market value and unrealised P&L at `price`. */
function valueAt(p: Position, price: number): ValuedAt {
  const cost = p.quantity * p.avgEntryPrice;
  const marketValue = p.quantity * price;
  return {
    ticker: p.ticker,
    quantity: p.quantity,
    avgEntryPrice: p.avgEntryPrice,
    realizedPnL: p.realizedPnL,
    currentPrice: price,
    marketValue,
    unrealizedPnL: marketValue - cost,
    unrealizedPnLPct: percentOf(marketValue - cost, cost),
  };
}

/** BUY on a confident UP call, SELL on a confident DOWN call, HOLD otherwise (saying why). */
function toSignal({ modelName, modelAlgorithm, modelAccuracy, modelLiveAccuracy, modelLiveCount, ...p }: PredictionRecord & ModelSummary, minimum: Minimums): Signal {
  let action: Signal['action'] = 'HOLD';
  let reason: string;
  if (p.confidence < minimum.confidence) reason = `confidence ${p.confidence} is below ${minimum.confidence}`;
  else if (minimum.liveAccuracy > 0 && (modelLiveAccuracy ?? -1) < minimum.liveAccuracy)
    reason = `the model's live accuracy ${modelLiveAccuracy ?? '(none yet)'} is below ${minimum.liveAccuracy}`;
  else if (p.direction === 'NEUTRAL') reason = 'the model expects no move';
  else {
    action = p.direction === 'UP' ? 'BUY' : 'SELL';
    reason = `${p.direction} with confidence ${p.confidence}`;
  }
  return {
    ticker: p.ticker,
    timeframe: p.timeframe,
    action,
    reason,
    direction: p.direction,
    confidence: p.confidence,
    predictedPrice: p.predictedPrice,
    predictedChange: p.predictedChange,
    predictionId: p.id,
    predictionTime: toIso(p.predictionTime),
    targetTime: toIso(p.targetTime),
    model: { id: p.modelId, name: modelName, algorithm: modelAlgorithm, version: p.modelVersion, accuracy: modelAccuracy, liveAccuracy: modelLiveAccuracy, liveCount: modelLiveCount },
    prediction: toPredictionRow(p),
  };
}

interface Minimums {
  confidence: number;
  liveAccuracy: number;
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

interface Fill {
  position: Position;
  /** A SELL's realised P&L, (price - average entry price) * quantity; null for a BUY. */
  profitLoss: number | null;
  /** profitLoss in percent of the cost of the quantity sold. */
  profitLossPct: number | null;
}

/** Average-cost accounting: buys move the average entry price, sells realise (price - average) * quantity. */
function applyFill(before: Position, side: 'BUY' | 'SELL', quantity: number, price: number): Fill {
  if (side === 'BUY') {
    const held = before.quantity + quantity;
    return {
      position: { ...before, quantity: held, avgEntryPrice: (before.quantity * before.avgEntryPrice + quantity * price) / held },
      profitLoss: null,
      profitLossPct: null,
    };
  }
  if (quantity > before.quantity + QUANTITY_EPSILON) {
    throw DomainError.conflict(`Cannot sell ${quantity} ${before.ticker}: the position holds ${before.quantity} (short selling is not supported)`);
  }
  const profitLoss = (price - before.avgEntryPrice) * quantity;
  const left = before.quantity - quantity;
  const flat = left < QUANTITY_EPSILON;
  return {
    position: { ...before, quantity: flat ? 0 : left, avgEntryPrice: flat ? 0 : before.avgEntryPrice, realizedPnL: before.realizedPnL + profitLoss },
    profitLoss,
    profitLossPct: percentOf(profitLoss, before.avgEntryPrice * quantity),
  };
}

/** A stored position valued at the close of its newest bar (unvalued without market data). */
function valuePosition({ lastPrice, lastPriceTime, ...stored }: PricedPosition): ValuedPosition {
  const now = lastPrice === null ? null : valueAt(stored, lastPrice);
  return {
    ...toPositionRow(stored),
    currentPrice: lastPrice,
    priceTime: toIso(lastPriceTime),
    marketValue: now?.marketValue ?? null,
    unrealizedPnL: now?.unrealizedPnL ?? null,
    unrealizedPnLPct: now?.unrealizedPnLPct ?? null,
    costBasis: stored.quantity * stored.avgEntryPrice,
  };
}

export interface ExecuteResult {
  created: boolean;
  trade: TradeRow;
  position: PositionRow | null;
}

const pgError = (error: unknown) => error as { code?: string; constraint?: string };

/** An order that closed nothing. */
const NO_EXIT = { exitPrice: null, exitTime: null, profitLoss: null, profitLossPct: null } as const;

export class TradingService {
  constructor(
    readonly repository: TradingRepository,
    private readonly predictions: PredictionRepository,
    private readonly cache: ReadCache,
  ) {}

  /** Signals only from predictions whose target time is still ahead (as the plan's latest route). */
  async signals({ minConfidence, minLiveAccuracy, ...filter }: SignalsQuery, now = new Date()): Promise<Signal[]> {
    // The rows are cached; the signal is made per request, as it depends on the time.
    const open = await this.cache.get(`trading.signals:${filter.ticker ?? ''}:${filter.timeframe ?? ''}`, ['predictions', 'models'], () =>
      this.predictions.latestUnresolvedOfActiveModels(filter),
    );
    return open.filter((p) => p.targetTime > now).map((p) => toSignal(p, { confidence: minConfidence, liveAccuracy: minLiveAccuracy }));
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
        const placed = { ...order, limitPrice: order.limitPrice ?? null, orderTime: now };
        if (price === null) {
          const trade = await tx.insertTrade({
            ...placed,
            price: null,
            totalValue: null,
            executionTime: null,
            status: 'PENDING',
            ...NO_EXIT,
          });
          return { created: true, trade: toTradeRow(trade), position: null };
        }
        const { position, profitLoss, profitLossPct } = applyFill(await tx.lockPosition(order.ticker), order.side, order.quantity, price);
        const saved = await tx.savePosition(valueAt(position, price), now);
        const trade = await tx.insertTrade({
          ...placed,
          price,
          totalValue: price * order.quantity,
          executionTime: now,
          status: 'FILLED',
          ...(profitLoss === null ? NO_EXIT : { exitPrice: price, exitTime: now, profitLoss, profitLossPct }),
        });
        return { created: true, trade: toTradeRow(trade), position: toPositionRow(saved) };
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
        unrealizedPnL: sum((p) => p.unrealizedPnL),
        realizedPnL: sum((p) => p.realizedPnL),
      },
    };
  }

  async history(query: HistoryQuery) {
    const rows = await this.repository.listTrades({ ...query, limit: query.limit + 1 });
    return toPage(rows, query.limit, (t) => ({ time: t.orderTime, id: t.id }), toTradeRow);
  }

  /** The answer to a repeated clientOrderId: the first trade, unless the order differs from it. */
  private async replay(placed: TradeRecord, order: ExecuteInput): Promise<ExecuteResult> {
    const same =
      placed.ticker === order.ticker &&
      placed.side === order.side &&
      placed.quantity === order.quantity &&
      placed.type === order.type &&
      placed.limitPrice === (order.limitPrice ?? null);
    if (!same) {
      throw DomainError.conflict(`clientOrderId ${order.clientOrderId} was already used for a different order`);
    }
    const position = placed.status === 'FILLED' ? await this.repository.findPosition(placed.ticker) : null;
    return { created: false, trade: toTradeRow(placed), position: position && toPositionRow(position) };
  }
}
