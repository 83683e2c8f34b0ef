// The paper broker's fill rules, as pure functions (README "Paper broker: fill rules"). Every order
// fills in full or not at all; prices are decimals.
import { Decimal, rounded } from './money';
import type { OrderType, Side } from './schema';

export interface FillSettings {
  /** Fee in basis points of the fill's value. */
  feeBps: Decimal;
  /** Fee per share filled. */
  feePerShare: Decimal;
  /** Fee floor of every fill. */
  feeMin: Decimal;
  /** Market and stop fills move against the order by this many basis points. */
  slippageBps: Decimal;
}

/** An order as the rules see it. */
export interface Resting {
  side: Side;
  type: OrderType;
  limitPrice: Decimal | null;
  stopPrice: Decimal | null;
  /** STOP_LIMIT: the stop was touched earlier, so only the limit is left. */
  triggered: boolean;
}

/** The parts of a bar the rules read. */
export interface BarPrices {
  open: Decimal;
  high: Decimal;
  low: Decimal;
}

const BPS = new Decimal(10_000);

/** fee = max(feeMin, value × feeBps / 10000 + quantity × feePerShare), to 6 decimals. */
export function feeOf(settings: FillSettings, quantity: Decimal, price: Decimal): Decimal {
  const variable = quantity.mul(price).mul(settings.feeBps).div(BPS).plus(quantity.mul(settings.feePerShare));
  return rounded(Decimal.max(settings.feeMin, variable));
}

/** A market-like fill at `price` moved against the order: a BUY pays more, a SELL gets less. */
export function slipped(settings: FillSettings, side: Side, price: Decimal): Decimal {
  const factor = settings.slippageBps.div(BPS);
  return rounded(side === 'BUY' ? price.mul(factor.plus(1)) : price.mul(new Decimal(1).minus(factor)));
}

/** Whether `price` is at least as good as the limit for this side. */
const withinLimit = (side: Side, price: Decimal, limit: Decimal) => (side === 'BUY' ? price.lte(limit) : price.gte(limit));

/** Whether `price` has reached the stop: at or above it for a BUY, at or below for a SELL. */
const stopReached = (side: Side, price: Decimal, stop: Decimal) => (side === 'BUY' ? price.gte(stop) : price.lte(stop));

export type Decision =
  /** Fills at `price` (slippage and fees already applied by the caller where they apply). */
  | { kind: 'fill'; price: Decimal; marketLike: boolean }
  /** STOP_LIMIT whose stop was touched but whose limit did not fill: it rests as a limit. */
  | { kind: 'trigger' }
  | { kind: 'rest' };

/**
 * At placement, against the newest close `last`: MARKET fills at it; a LIMIT fills at it when it is
 * within the limit; a STOP whose stop `last` has reached fills like MARKET; a STOP_LIMIT whose stop
 * `last` has reached fills at `last` when within the limit, else rests triggered.
 */
export function decideAtPlacement(order: Resting, last: Decimal): Decision {
  const { side, limitPrice, stopPrice } = order;
  switch (order.type) {
    case 'MARKET':
      return { kind: 'fill', price: last, marketLike: true };
    case 'LIMIT':
      return withinLimit(side, last, limitPrice!) ? { kind: 'fill', price: last, marketLike: false } : { kind: 'rest' };
    case 'STOP':
      return stopReached(side, last, stopPrice!) ? { kind: 'fill', price: last, marketLike: true } : { kind: 'rest' };
    case 'STOP_LIMIT':
      if (!stopReached(side, last, stopPrice!)) return { kind: 'rest' };
      return withinLimit(side, last, limitPrice!) ? { kind: 'fill', price: last, marketLike: false } : { kind: 'trigger' };
  }
}

/**
 * Against one later bar. A BUY limit fills when low <= limit, at min(open, limit) (the open when
 * the bar gaps through); a SELL limit when high >= limit, at max(open, limit). A BUY stop
 * triggers when high >= stop and fills like a market order at max(open, stop); a SELL stop when
 * low <= stop, at min(open, stop). A STOP_LIMIT, once triggered, fills on that bar at the
 * trigger price when within its limit; otherwise it rests as a LIMIT from the next bar on.
 */
export function decideOnBar(order: Resting, bar: BarPrices): Decision {
  const { side, limitPrice, stopPrice } = order;
  const buy = side === 'BUY';
  const limitFill = (limit: Decimal): Decision =>
    (buy ? bar.low.lte(limit) : bar.high.gte(limit))
      ? { kind: 'fill', price: buy ? Decimal.min(bar.open, limit) : Decimal.max(bar.open, limit), marketLike: false }
      : { kind: 'rest' };
  const stopTouched = (stop: Decimal) => (buy ? bar.high.gte(stop) : bar.low.lte(stop));
  const stopPriceOf = (stop: Decimal) => (buy ? Decimal.max(bar.open, stop) : Decimal.min(bar.open, stop));
  switch (order.type) {
    case 'MARKET':
      return { kind: 'fill', price: bar.open, marketLike: true };
    case 'LIMIT':
      return limitFill(limitPrice!);
    case 'STOP':
      return stopTouched(stopPrice!) ? { kind: 'fill', price: stopPriceOf(stopPrice!), marketLike: true } : { kind: 'rest' };
    case 'STOP_LIMIT': {
      if (order.triggered) return limitFill(limitPrice!);
      if (!stopTouched(stopPrice!)) return { kind: 'rest' };
      const at = stopPriceOf(stopPrice!);
      return withinLimit(side, at, limitPrice!) ? { kind: 'fill', price: at, marketLike: false } : { kind: 'trigger' };
    }
  }
}
