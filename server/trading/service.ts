// The paper broker: orders placed, filled, canceled, replaced and expired; an average-cost portfolio
// and a cash account; signals from the active models' open predictions. Every amount is a decimal
// (money.ts); every change of an order, the cash and a position commits in one transaction, with
// its order events appended last (server/events). Fill rules: fills.ts and the README.
import type { ReadCache } from '../db/read-cache';
import type { EventRepository } from '../events/repository';
import type { NewEvent } from '../events/schema';
import { getSession, nextTradingDay, nyMidnightUtcMs, sessionDateOf } from '../ingestion/calendar';
import type { ModelSummary, PredictionRecord, PredictionRepository } from '../predictions/repository';
import { toPredictionRow } from '../predictions/service';
import { DomainError } from '../shared/domain-error';
import { toPage } from '../shared/pagination';
import { firstToPass, toIso } from '../shared/time';
import { decideAtPlacement, decideOnBar, feeOf, slipped, type Decision, type FillSettings } from './fills';
import { Decimal, rounded, wire, wireOrNull } from './money';
import type { MatchBar, Position, PositionRecord, PricedPosition, TradeRecord, TradingRepository, ValuedAt } from './repository';
import type {
  Account,
  EquityPoint,
  ExecuteInput,
  HistoryQuery,
  OrderRow,
  OrdersQuery,
  PositionRow,
  ReplaceOrderInput,
  Side,
  Signal,
  SignalsQuery,
  ValuedPosition,
} from './schema';

export interface BrokerSettings extends FillSettings {
  startingCash: Decimal;
  allowShort: boolean;
  /** A fill on a price older than this many seconds is refused; 0 = no limit. */
  maxPriceAgeSeconds: number;
}

export function brokerSettingsFromConfig(config: {
  PAPER_STARTING_CASH: string;
  PAPER_ALLOW_SHORT: boolean;
  PAPER_MAX_PRICE_AGE: number;
  PAPER_FEE_BPS: string;
  PAPER_FEE_PER_SHARE: string;
  PAPER_FEE_MIN: string;
  PAPER_SLIPPAGE_BPS: string;
}): BrokerSettings {
  return {
    startingCash: new Decimal(config.PAPER_STARTING_CASH),
    allowShort: config.PAPER_ALLOW_SHORT,
    maxPriceAgeSeconds: config.PAPER_MAX_PRICE_AGE,
    feeBps: new Decimal(config.PAPER_FEE_BPS),
    feePerShare: new Decimal(config.PAPER_FEE_PER_SHARE),
    feeMin: new Decimal(config.PAPER_FEE_MIN),
    slippageBps: new Decimal(config.PAPER_SLIPPAGE_BPS),
  };
}

const ZERO = new Decimal(0);
const dec = (value: string) => new Decimal(value);
const decOrNull = (value: string | null) => (value === null ? null : new Decimal(value));

function toOrderRow(t: TradeRecord): OrderRow {
  return {
    id: t.id,
    clientOrderId: t.clientOrderId,
    ticker: t.ticker,
    side: t.side,
    type: t.type,
    timeInForce: t.timeInForce,
    quantity: wire(t.quantity),
    status: t.status,
    statusReason: t.statusReason,
    price: wireOrNull(t.price),
    limitPrice: wireOrNull(t.limitPrice),
    stopPrice: wireOrNull(t.stopPrice),
    totalValue: wireOrNull(t.totalValue),
    fees: wire(t.fees),
    orderTime: toIso(t.orderTime),
    executionTime: toIso(t.executionTime),
    expiresAt: toIso(t.expiresAt),
    triggeredAt: toIso(t.triggeredAt),
    replacesId: t.replacesId,
    modelId: t.modelId,
    predictionId: t.predictionId,
    strategy: t.strategy,
    notes: t.notes,
    exitPrice: wireOrNull(t.exitPrice),
    exitTime: toIso(t.exitTime),
    profitLoss: wireOrNull(t.profitLoss),
    profitLossPct: t.profitLossPct,
    createdAt: toIso(t.createdAt),
    updatedAt: toIso(t.updatedAt),
  };
}

function toPositionRow(p: PositionRecord): PositionRow {
  return {
    id: p.id,
    ticker: p.ticker,
    quantity: wire(p.quantity),
    avgEntryPrice: wire(p.avgEntryPrice),
    currentPrice: wireOrNull(p.currentPrice),
    marketValue: wireOrNull(p.marketValue),
    unrealizedPnL: wire(p.unrealizedPnL),
    unrealizedPnLPct: p.unrealizedPnLPct,
    realizedPnL: wire(p.realizedPnL),
    stopLoss: wireOrNull(p.stopLoss),
    takeProfit: wireOrNull(p.takeProfit),
    updatedAt: toIso(p.updatedAt),
  };
}

/** `part` in percent of `whole` (2.5 = 2.5 %); null when `whole` is zero (nothing held). */
function percentOf(part: Decimal, whole: Decimal): number | null {
  return whole.isZero() ? null : part.div(whole.abs()).mul(100).toNumber();
}

/** A position's market value and unrealised P&L at `price` (a short has a negative market value). */
function valueAt(p: Position, price: Decimal): ValuedAt {
  const quantity = dec(p.quantity);
  const cost = quantity.mul(p.avgEntryPrice);
  const marketValue = quantity.mul(price);
  const unrealized = marketValue.minus(cost);
  return {
    ...p,
    currentPrice: price.toFixed(),
    marketValue: rounded(marketValue).toFixed(),
    unrealizedPnL: rounded(unrealized).toFixed(),
    unrealizedPnLPct: percentOf(unrealized, cost),
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

/** What a fill does to a position under average-cost accounting. */
interface PositionChange {
  position: Position;
  /** Shares of the existing position the fill closed (0 when it only opened or added). */
  closed: Decimal;
  /** (price - average entry) × closed, reversed for a short; before fees. */
  grossRealized: Decimal;
}

/**
 * Average-cost accounting over a signed quantity (negative = short). A fill in the direction of the
 * position (or from flat) moves the average entry price; one against it realises
 * (price - average) × closed shares (reversed for a short) and, past flat, opens the rest at the
 * fill price. Every fill's fee is charged to realised P&L.
 */
function applyFill(before: Position, side: Side, quantity: Decimal, price: Decimal, fee: Decimal): PositionChange {
  const held = dec(before.quantity);
  const avg = dec(before.avgEntryPrice);
  const delta = side === 'BUY' ? quantity : quantity.neg();
  const after = held.plus(delta);
  const realizedBefore = dec(before.realizedPnL).minus(fee);
  if (held.isZero() || held.isPositive() === delta.isPositive()) {
    const avgAfter = rounded(held.abs().mul(avg).plus(quantity.mul(price)).div(after.abs()));
    return { position: { ...before, quantity: after.toFixed(), avgEntryPrice: avgAfter.toFixed(), realizedPnL: realizedBefore.toFixed() }, closed: ZERO, grossRealized: ZERO };
  }
  const closed = Decimal.min(quantity, held.abs());
  const grossRealized = rounded(price.minus(avg).mul(closed).mul(held.isPositive() ? 1 : -1));
  const avgAfter = after.isZero() ? ZERO : after.isPositive() === held.isPositive() ? avg : price;
  return {
    position: { ...before, quantity: after.toFixed(), avgEntryPrice: avgAfter.toFixed(), realizedPnL: realizedBefore.plus(grossRealized).toFixed() },
    closed,
    grossRealized,
  };
}

/** A stored position valued at the close of its newest bar (unvalued without market data). */
function valuePosition({ lastPrice, lastPriceTime, ...stored }: PricedPosition): ValuedPosition {
  const now = lastPrice === null ? null : valueAt(stored, dec(lastPrice));
  return {
    ...toPositionRow(stored),
    currentPrice: lastPrice === null ? null : wire(lastPrice),
    priceTime: toIso(lastPriceTime),
    marketValue: now?.marketValue ?? null,
    unrealizedPnL: now?.unrealizedPnL ?? null,
    unrealizedPnLPct: now?.unrealizedPnLPct ?? null,
    costBasis: wire(rounded(dec(stored.quantity).mul(stored.avgEntryPrice))),
  };
}

/**
 * When a DAY order placed at `at` expires: the regular close of its session, or of the next
 * session when it was placed after that close or on a day without one.
 */
export function dayOrderExpiry(at: Date): Date {
  const today = getSession(at);
  if (today && at < today.close) return today.close;
  return getSession(nextTradingDay(sessionDateOf(at)))!.close;
}

export interface ExecuteResult {
  created: boolean;
  order: OrderRow;
  position: PositionRow | null;
}

const pgError = (error: unknown) => error as { code?: string; constraint?: string };

const unprocessable = (message: string) => new DomainError('unprocessable', message);

/** The fields of an order body that a retry with the same clientOrderId must repeat. */
function sameOrder(placed: TradeRecord, order: ExecuteInput): boolean {
  const sameDecimal = (a: string | null, b: string | undefined) => (a === null ? b === undefined : b !== undefined && dec(a).eq(b));
  return (
    placed.ticker === order.ticker &&
    placed.side === order.side &&
    placed.type === order.type &&
    placed.timeInForce === order.timeInForce &&
    dec(placed.quantity).eq(order.quantity) &&
    sameDecimal(placed.limitPrice, order.limitPrice) &&
    sameDecimal(placed.stopPrice, order.stopPrice) &&
    placed.predictionId === (order.predictionId ?? null) &&
    placed.modelId === (order.modelId ?? null) &&
    placed.strategy === (order.strategy ?? null) &&
    placed.notes === (order.notes ?? null)
  );
}

type OrderEventName = 'order.created' | 'order.filled' | 'order.canceled' | 'order.expired' | 'order.rejected';

const ORDER_EVENT: Record<Exclude<TradeRecord['status'], 'NEW'>, OrderEventName> = {
  FILLED: 'order.filled',
  CANCELED: 'order.canceled',
  EXPIRED: 'order.expired',
  REJECTED: 'order.rejected',
};

function orderEvent(name: OrderEventName, o: TradeRecord): NewEvent {
  return {
    topic: 'order',
    name,
    ticker: o.ticker,
    payload: {
      orderId: o.id,
      clientOrderId: o.clientOrderId,
      side: o.side,
      type: o.type,
      quantity: wire(o.quantity),
      status: o.status,
      price: wireOrNull(o.price),
      fees: wire(o.fees),
      reason: o.statusReason,
    },
  };
}

/** The work of one transaction: the events to append at its end. */
class Changes {
  readonly events: NewEvent[] = [];
  filled = false;

  record(order: TradeRecord): TradeRecord {
    if (order.status === 'FILLED') this.filled = true;
    this.events.push(orderEvent(order.status === 'NEW' ? 'order.created' : ORDER_EVENT[order.status], order));
    return order;
  }
}

export class TradingService {
  /** Placements in progress in this process, by clientOrderId. */
  private readonly inFlight = new Map<string, Promise<ExecuteResult>>();

  constructor(
    readonly repository: TradingRepository,
    private readonly predictions: PredictionRepository,
    private readonly events: EventRepository,
    private readonly cache: ReadCache,
    private readonly settings: BrokerSettings,
  ) {}

  /** Signals only from predictions whose target time is still ahead (as the plan's latest route). */
  async signals({ minConfidence, minLiveAccuracy, ...filter }: SignalsQuery, now = new Date()): Promise<Signal[]> {
    // The rows are cached; the signal is made per request, as it depends on the time.
    const open = await this.cache.get(
      `trading.signals:${filter.ticker ?? ''}:${filter.timeframe ?? ''}`,
      ['predictions', 'models'],
      () => this.predictions.latestUnresolvedOfActiveModels(filter),
      (predictions) => firstToPass(predictions.map((p) => p.targetTime)),
    );
    return open.filter((p) => p.targetTime > now).map((p) => toSignal(p, { confidence: minConfidence, liveAccuracy: minLiveAccuracy }));
  }

  /**
   * Places an order: it fills at once (MARKET; a marketable LIMIT; a STOP already reached), rests
   * as NEW for the matcher, or, for IOC/FOK, is canceled when it cannot fill at once. Refused
   * orders (buying power, position, stale or missing price, unknown prediction) change nothing.
   * A retry with the same clientOrderId and body gets the original order (created: false), even
   * when it races the first: placements queue on the account row's lock.
   */
  async execute(order: ExecuteInput, now = new Date()): Promise<ExecuteResult> {
    const key = order.clientOrderId;
    if (!key) return this.executeOnce(order, now);
    // Retries racing in this process wait for the first instead of queueing on the account lock,
    // each holding a pooled connection; then they find its order and replay it. Across instances
    // the account lock and the unique clientOrderId keep them right.
    const earlier = this.inFlight.get(key);
    if (earlier) await earlier.catch(() => undefined);
    const run = this.executeOnce(order, now);
    if (!earlier) this.inFlight.set(key, run);
    try {
      return await run;
    } finally {
      if (this.inFlight.get(key) === run) this.inFlight.delete(key);
    }
  }

  private async executeOnce(order: ExecuteInput, now: Date): Promise<ExecuteResult> {
    const placed = order.clientOrderId ? await this.repository.findByClientOrderId(order.clientOrderId) : null;
    if (placed) return this.replay(placed, order);
    try {
      return await this.inTransaction(now, async (tx, changes) => {
        const account = await tx.lockAccount(this.settings.startingCash.toFixed());
        const raced = order.clientOrderId ? await tx.findByClientOrderId(order.clientOrderId) : null;
        if (raced) return this.replay(raced, order, tx);
        if (order.predictionId && !(await tx.predictionExists(order.predictionId))) throw DomainError.notFound(`Prediction ${order.predictionId} does not exist`);
        return this.place(tx, changes, dec(account.cash), order, now);
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

  /** Cancels an open order; a filled, canceled, expired or rejected one gets 422. */
  async cancel(id: string, now = new Date()): Promise<OrderRow> {
    return this.inTransaction(now, async (tx, changes) => {
      await tx.lockAccount(this.settings.startingCash.toFixed());
      const order = await tx.lockOrder(id);
      if (!order) throw DomainError.notFound(`Order ${id} does not exist`);
      if (order.status !== 'NEW') throw unprocessable(`Order ${id} is ${order.status} and can no longer be canceled`);
      return toOrderRow(changes.record(await tx.closeOrder(id, 'CANCELED', 'canceled by request', now)));
    });
  }

  /** Cancels every open order. */
  async cancelAll(now = new Date()): Promise<OrderRow[]> {
    return this.inTransaction(now, async (tx, changes) => {
      await tx.lockAccount(this.settings.startingCash.toFixed());
      const open = await tx.lockOpenOrders();
      const canceled: OrderRow[] = [];
      for (const order of open) canceled.push(toOrderRow(changes.record(await tx.closeOrder(order.id, 'CANCELED', 'canceled by request', now))));
      return canceled;
    });
  }

  /**
   * Replaces an open order (Alpaca's PATCH): the old one is CANCELED and a new one with the changed
   * fields is placed in the same transaction, under the same rules as a new order.
   */
  async replace({ id, ...changed }: ReplaceOrderInput, now = new Date()): Promise<{ order: OrderRow; replaced: OrderRow }> {
    return this.inTransaction(now, async (tx, changes) => {
      const account = await tx.lockAccount(this.settings.startingCash.toFixed());
      const old = await tx.lockOrder(id);
      if (!old) throw DomainError.notFound(`Order ${id} does not exist`);
      if (old.status !== 'NEW') throw unprocessable(`Order ${id} is ${old.status} and can no longer be replaced`);
      if (changed.limitPrice !== undefined && old.limitPrice === null) throw DomainError.invalid('limitPrice is not allowed for this order type', [{ path: 'limitPrice', message: `not allowed for ${old.type} orders` }]);
      if (changed.stopPrice !== undefined && old.stopPrice === null) throw DomainError.invalid('stopPrice is not allowed for this order type', [{ path: 'stopPrice', message: `not allowed for ${old.type} orders` }]);
      const replaced = changes.record(await tx.closeOrder(id, 'CANCELED', 'replaced', now));
      const next: ExecuteInput = {
        ticker: old.ticker,
        side: old.side,
        type: old.type,
        timeInForce: changed.timeInForce ?? old.timeInForce,
        quantity: changed.quantity ?? wire(old.quantity),
        limitPrice: changed.limitPrice ?? (old.limitPrice === null ? undefined : wire(old.limitPrice)),
        stopPrice: changed.stopPrice ?? (old.stopPrice === null ? undefined : wire(old.stopPrice)),
        clientOrderId: changed.clientOrderId,
        strategy: old.strategy ?? undefined,
        modelId: old.modelId ?? undefined,
        predictionId: old.predictionId ?? undefined,
        notes: old.notes ?? undefined,
      };
      const { order } = await this.place(tx, changes, dec(account.cash), next, now, id);
      return { order, replaced: toOrderRow(replaced) };
    });
  }

  /** Closes a position with a MARKET order for all of it. */
  async closePosition(ticker: string, now = new Date()): Promise<ExecuteResult> {
    const position = await this.repository.findPosition(ticker);
    const held = position ? dec(position.quantity) : ZERO;
    if (held.isZero()) throw DomainError.notFound(`No open position in ${ticker}`);
    return this.execute({ ticker, side: held.isPositive() ? 'SELL' : 'BUY', type: 'MARKET', timeInForce: 'DAY', quantity: held.abs().toFixed(), strategy: 'close_position' }, now);
  }

  async orders(query: OrdersQuery): Promise<OrderRow[]> {
    return (await this.repository.listOrders(query)).map(toOrderRow);
  }

  /**
   * Evaluates the open orders of `ticker`, in time priority, against the bars that started at or
   * after each was placed (and after the last bar it was evaluated against); expires DAY orders at
   * their close. Run by the orders-match job whenever bars of the ticker arrive. Returns how many
   * order events it wrote.
   */
  async match(ticker: string, now = new Date()): Promise<number> {
    return this.inTransaction(now, async (tx, changes) => {
      let cash = dec((await tx.lockAccount(this.settings.startingCash.toFixed())).cash);
      for (const order of await tx.lockOpenOrders(ticker)) {
        cash = await this.matchOrder(tx, changes, cash, order, await tx.barsFrom(ticker, order.orderTime, order.matchedThrough), now);
      }
      return changes.events.length;
    });
  }

  /**
   * The every-minute sweep: matches every ticker with open orders, so bars from any path fill them
   * and DAY orders expire at their close even without new bars.
   */
  async sweep(now = new Date()): Promise<number> {
    let ended = 0;
    for (const ticker of await this.repository.tickersWithOpenOrders()) ended += await this.match(ticker, now);
    return ended;
  }

  async portfolio(now = new Date()) {
    const positions = (await this.repository.positions(now)).map(valuePosition);
    const sum = (pick: (p: ValuedPosition) => string | null) => wire(positions.reduce((total, p) => total.plus(pick(p) ?? 0), ZERO));
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

  /** Cash, buying power, equity and P&L, valued at the newest bars. */
  async account(now = new Date()): Promise<Account> {
    const stored = await this.repository.findAccount();
    const cash = stored ? dec(stored.cash) : this.settings.startingCash;
    const startingCash = stored ? dec(stored.startingCash) : this.settings.startingCash;
    const book = await this.valuation(this.repository, cash, now);
    const lastEquity = decOrNull(await this.repository.equityBefore(new Date(nyMidnightUtcMs(sessionDateOf(now))))) ?? startingCash;
    return {
      cash: wire(cash),
      buyingPower: wire(book.buyingPower),
      positionsValue: wire(book.positionsValue),
      equity: wire(book.equity),
      startingCash: wire(startingCash),
      lastEquity: wire(lastEquity),
      dayPnL: wire(book.equity.minus(lastEquity)),
      totalPnL: wire(book.equity.minus(startingCash)),
      realizedPnL: wire(book.realizedPnL),
      unrealizedPnL: wire(book.unrealizedPnL),
      allowShort: this.settings.allowShort,
    };
  }

  async equityHistory(limit: number): Promise<EquityPoint[]> {
    return (await this.repository.equityHistory(limit)).map((p) => ({
      time: toIso(p.time),
      cash: wire(p.cash),
      positionsValue: wire(p.positionsValue),
      equity: wire(p.equity),
    }));
  }

  async history(query: HistoryQuery) {
    const rows = await this.repository.listTrades({ ...query, limit: query.limit + 1 });
    return toPage(rows, query.limit, (t) => ({ time: t.orderTime, id: t.id }), toOrderRow);
  }

  /** Runs `work` in one transaction, then appends its order events and, after fills, an equity point. */
  private inTransaction<T>(now: Date, work: (tx: TradingRepository, changes: Changes) => Promise<T>): Promise<T> {
    return this.repository.transaction(async (tx) => {
      const changes = new Changes();
      const result = await work(tx, changes);
      if (changes.filled) {
        const cash = dec((await tx.lockAccount(this.settings.startingCash.toFixed())).cash);
        const book = await this.valuation(tx, cash, now);
        await tx.insertEquityPoint({ time: now, cash: cash.toFixed(), positionsValue: book.positionsValue.toFixed(), equity: book.equity.toFixed() });
      }
      await this.events.appendInTransaction(tx.connection, changes.events);
      return result;
    });
  }

  /**
   * The book at the newest bars: positions value (shorts negative), equity, P&L, and buying power =
   * cash - what open BUY orders would cost (at their limit, else stop, else the newest close) - the
   * value of short positions (their sale proceeds sit in the cash but are owed back).
   */
  private async valuation(repository: TradingRepository, cash: Decimal, now: Date) {
    // One connection inside a transaction: the two reads go one after the other.
    const positions = await repository.positions(now);
    const open = await repository.pricedOpenOrders(now);
    let positionsValue = ZERO;
    let shortValue = ZERO;
    let realizedPnL = ZERO;
    let unrealizedPnL = ZERO;
    for (const p of positions) {
      const quantity = dec(p.quantity);
      const price = dec(p.lastPrice ?? p.avgEntryPrice);
      positionsValue = positionsValue.plus(quantity.mul(price));
      if (quantity.isNegative()) shortValue = shortValue.plus(quantity.abs().mul(price));
      realizedPnL = realizedPnL.plus(p.realizedPnL);
      unrealizedPnL = unrealizedPnL.plus(quantity.mul(price.minus(p.avgEntryPrice)));
    }
    const reserved = open
      .filter((o) => o.side === 'BUY')
      .reduce((sum, o) => sum.plus(dec(o.quantity).mul(o.limitPrice ?? o.stopPrice ?? o.lastPrice ?? 0)), ZERO);
    positionsValue = rounded(positionsValue);
    return {
      /** Shares of `ticker` that open SELL orders already hold. */
      heldForSells: (ticker: string) => open.filter((o) => o.ticker === ticker && o.side === 'SELL').reduce((sum, o) => sum.plus(o.quantity), ZERO),
      positionsValue,
      equity: cash.plus(positionsValue),
      buyingPower: Decimal.max(ZERO, rounded(cash.minus(reserved).minus(shortValue))),
      realizedPnL,
      unrealizedPnL: rounded(unrealizedPnL),
    };
  }

  /** Places `order` inside an open transaction whose account row is locked; `cash` is its cash. */
  private async place(tx: TradingRepository, changes: Changes, cash: Decimal, order: ExecuteInput, now: Date, replacesId?: string): Promise<ExecuteResult> {
    const last = await tx.latestPrice(order.ticker, now);
    const quantity = dec(order.quantity);
    const resting = { side: order.side, type: order.type, limitPrice: decOrNull(order.limitPrice ?? null), stopPrice: decOrNull(order.stopPrice ?? null), triggered: false };
    if (order.type === 'MARKET' && !last) throw DomainError.notFound(`No market data for ${order.ticker}: a market order needs a last price`);
    // PAPER_MAX_PRICE_AGE: a MARKET order on an old price is refused; other orders rest until new bars.
    const maxAge = this.settings.maxPriceAgeSeconds;
    const stale = last !== null && maxAge > 0 && now.getTime() - last.time.getTime() > maxAge * 1000;
    if (stale && order.type === 'MARKET') {
      throw unprocessable(`The newest ${order.ticker} price is from ${last.time.toISOString()}, older than PAPER_MAX_PRICE_AGE (${maxAge} s)`);
    }
    const decision: Decision = last && !stale ? decideAtPlacement(resting, dec(last.price)) : { kind: 'rest' };
    const fillPrice = decision.kind === 'fill' ? (decision.marketLike ? slipped(this.settings, order.side, decision.price) : decision.price) : null;
    // What the order would cost: checked now, against cash less what other open orders hold.
    const book = await this.valuation(tx, cash, now);
    const reference = fillPrice ?? resting.limitPrice ?? resting.stopPrice ?? (last ? dec(last.price) : null);
    // The account lock already queues every placement and fill: reading the position suffices here.
    const held = (await tx.findPosition(order.ticker))?.quantity ?? '0';
    this.checkAffordable(order, quantity, reference, dec(held), book.buyingPower, book.heldForSells(order.ticker));
    const expiresAt = order.timeInForce === 'DAY' ? dayOrderExpiry(now) : null;
    let stored = changes.record(
      await tx.insertOrder({
        ...order,
        limitPrice: order.limitPrice ?? null,
        stopPrice: order.stopPrice ?? null,
        orderTime: now,
        expiresAt,
        replacesId,
      }),
    );
    if (decision.kind === 'trigger' && last) await tx.markMatched(stored.id, last.time, now);
    if (fillPrice !== null && last) {
      const filled = await this.fill(tx, changes, cash, stored, fillPrice, last.time, now);
      return { created: true, order: toOrderRow(filled.order), position: toPositionRow(filled.position) };
    }
    if (order.timeInForce === 'IOC' || order.timeInForce === 'FOK') {
      stored = changes.record(await tx.closeOrder(stored.id, 'CANCELED', `${order.timeInForce}: could not fill at once`, now));
    }
    return { created: true, order: toOrderRow(stored), position: null };
  }

  /**
   * Refuses (422) a BUY costing more than the buying power, and a SELL of more shares than held
   * and not already held by open SELLs unless shorting is allowed, in which case the short part's
   * value must fit the buying power.
   */
  private checkAffordable({ side, ticker }: ExecuteInput, quantity: Decimal, price: Decimal | null, held: Decimal, buyingPower: Decimal, heldForSells: Decimal) {
    if (side === 'BUY') {
      const covering = held.isNegative() ? Decimal.min(quantity, held.abs()) : ZERO;
      const opening = quantity.minus(covering);
      const cost = price === null || opening.isZero() ? ZERO : opening.mul(price).plus(feeOf(this.settings, opening, price));
      if (cost.gt(buyingPower)) throw unprocessable(`Insufficient buying power: the order costs ${wire(rounded(cost))}, buying power is ${wire(buyingPower)}`);
      return;
    }
    const available = Decimal.max(ZERO, held.minus(heldForSells));
    if (quantity.lte(available)) return;
    if (!this.settings.allowShort) {
      throw unprocessable(`Insufficient position: cannot sell ${wire(quantity)} ${ticker}, ${wire(available)} available (short selling is off: PAPER_ALLOW_SHORT)`);
    }
    const shortValue = quantity.minus(available).mul(price ?? 0);
    if (shortValue.gt(buyingPower)) throw unprocessable(`Insufficient buying power: the short sale is worth ${wire(rounded(shortValue))}, buying power is ${wire(buyingPower)}`);
  }

  /** Fills `order` at `price` (bar time `at`): the order, the cash and the position change together. */
  private async fill(tx: TradingRepository, changes: Changes, cash: Decimal, order: TradeRecord, price: Decimal, at: Date, now: Date) {
    const position = await tx.lockPosition(order.ticker);
    const quantity = dec(order.quantity);
    const fee = feeOf(this.settings, quantity, price);
    const value = rounded(quantity.mul(price));
    const { position: after, closed, grossRealized } = applyFill(position, order.side, quantity, price, fee);
    const saved = await tx.savePosition(valueAt(after, price), now);
    const cashAfter = order.side === 'BUY' ? cash.minus(value).minus(fee) : cash.plus(value).minus(fee);
    await tx.saveCash(cashAfter.toFixed(), now);
    const profitLoss = closed.isZero() ? null : grossRealized.minus(fee);
    const filled = changes.record(
      await tx.fillOrder(
        order.id,
        {
          price: price.toFixed(),
          totalValue: value.toFixed(),
          fees: fee.toFixed(),
          executionTime: at,
          exitPrice: profitLoss === null ? null : price.toFixed(),
          exitTime: profitLoss === null ? null : at,
          profitLoss: profitLoss === null ? null : profitLoss.toFixed(),
          profitLossPct: profitLoss === null ? null : percentOf(profitLoss, closed.mul(position.avgEntryPrice)),
        },
        now,
      ),
    );
    return { order: filled, position: saved, cash: cashAfter };
  }

  /** One open order against its new bars; returns the cash after it. */
  private async matchOrder(tx: TradingRepository, changes: Changes, cash: Decimal, order: TradeRecord, bars: MatchBar[], now: Date): Promise<Decimal> {
    let triggeredAt = order.triggeredAt;
    for (const bar of bars) {
      if (order.expiresAt && bar.timestamp >= order.expiresAt) break;
      const decision = decideOnBar(
        { side: order.side, type: order.type, limitPrice: decOrNull(order.limitPrice), stopPrice: decOrNull(order.stopPrice), triggered: triggeredAt !== null },
        { open: dec(bar.open), high: dec(bar.high), low: dec(bar.low) },
      );
      if (decision.kind === 'trigger') triggeredAt ??= bar.timestamp;
      if (decision.kind !== 'fill') continue;
      const price = decision.marketLike ? slipped(this.settings, order.side, decision.price) : decision.price;
      const refusal = this.fillRefusal(order, price, dec((await tx.findPosition(order.ticker))?.quantity ?? '0'), cash);
      if (refusal) {
        changes.record(await tx.closeOrder(order.id, 'REJECTED', refusal, now));
        return cash;
      }
      return (await this.fill(tx, changes, cash, order, price, bar.timestamp, now)).cash;
    }
    if (order.expiresAt && order.expiresAt <= now) {
      changes.record(await tx.closeOrder(order.id, 'EXPIRED', `DAY order: the session closed at ${order.expiresAt.toISOString()}`, now));
    } else if (bars.length > 0) {
      await tx.markMatched(order.id, bars.at(-1)!.timestamp, triggeredAt);
    }
    return cash;
  }

  /** Why a resting order cannot fill now (cash or shares gone since it was placed), or null. */
  private fillRefusal(order: TradeRecord, price: Decimal, held: Decimal, cash: Decimal): string | null {
    const quantity = dec(order.quantity);
    if (order.side === 'BUY') {
      const cost = quantity.mul(price).plus(feeOf(this.settings, quantity, price));
      return cost.gt(cash) ? `insufficient cash at fill: the fill costs ${wire(rounded(cost))}, cash is ${wire(cash)}` : null;
    }
    if (quantity.gt(Decimal.max(held, ZERO)) && !this.settings.allowShort) return `insufficient position at fill: ${wire(held)} ${order.ticker} held`;
    return null;
  }

  /** The answer to a repeated clientOrderId: the first order, unless the body differs from it (409). */
  private async replay(placed: TradeRecord, order: ExecuteInput, repository = this.repository): Promise<ExecuteResult> {
    if (!sameOrder(placed, order)) {
      throw DomainError.conflict(`clientOrderId ${order.clientOrderId} was already used for a different order`);
    }
    const position = placed.status === 'FILLED' ? await repository.findPosition(placed.ticker) : null;
    return { created: false, order: toOrderRow(placed), position: position && toPositionRow(position) };
  }
}
