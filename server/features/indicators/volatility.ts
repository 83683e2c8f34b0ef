// Volatility, channels and return-based features. Canonical convention = TA-Lib where TA-Lib has
// the function (TRANGE, ATR, NATR, BBANDS); standard deviations are POPULATION (divide by N)
// everywhere, as in TA-Lib's STDDEV/BBANDS.
import { assertPeriod, nanSeries, rollingMax, rollingMean, rollingMin, rollingStdev } from './core';
import { ema, sma } from './moving-averages';

/**
 * True range: max(H-L, |H-C[t-1]|, |L-C[t-1]|).
 * first 'none' (default, TA-Lib TRANGE): no value at index 0.
 * first 'high-low' (StockCharts / bukosabino ta): TR[0] = H[0]-L[0].
 */
export function trueRange(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  opts: { first?: 'none' | 'high-low' } = {},
): Float64Array {
  const len = close.length;
  const out = nanSeries(len);
  if (len > 0 && opts.first === 'high-low') out[0] = high[0]! - low[0]!;
  for (let t = 1; t < len; t++) {
    const h = high[t]!;
    const l = low[t]!;
    const pc = close[t - 1]!;
    let tr = h - l;
    const a = Math.abs(h - pc);
    if (a > tr) tr = a;
    const b = Math.abs(l - pc);
    if (b > tr) tr = b;
    out[t] = tr;
  }
  return out;
}

/**
 * Average true range, Wilder smoothing: atr = (prev*(n-1) + TR)/n.
 * seed 'talib' (default, TA-Lib ATR; also technicalindicators): first value at index n =
 *   mean(TR[1..n]).
 * seed 'stockcharts' (StockCharts ChartSchool / bukosabino ta cs-atr.csv): TR[0] = H[0]-L[0],
 *   first value at index n-1 = mean(TR[0..n-1]).
 * n = 1 gives the true range itself (TA-Lib ATR(1) == TRANGE).
 */
export function atr(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  n = 14,
  opts: { seed?: 'talib' | 'stockcharts' } = {},
): Float64Array {
  assertPeriod('atr', n);
  const seed = opts.seed ?? 'talib';
  const tr = trueRange(high, low, close, { first: seed === 'stockcharts' ? 'high-low' : 'none' });
  const len = tr.length;
  const out = nanSeries(len);
  const start = seed === 'stockcharts' ? 0 : 1; // first bar with a TR
  const firstOut = start + n - 1;
  if (firstOut >= len) return out;
  let s = 0;
  for (let i = start; i <= firstOut; i++) s += tr[i]!;
  let prev = s / n;
  out[firstOut] = prev;
  for (let t = firstOut + 1; t < len; t++) {
    prev *= n - 1;
    prev += tr[t]!;
    prev /= n;
    out[t] = prev;
  }
  return out;
}

/** Normalized ATR (TA-Lib NATR): 100*ATR/close; 0 when close is 0 (TA-Lib). First value n. */
export function natr(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, n = 14): Float64Array {
  return natrFromAtr(atr(high, low, close, n), close);
}

/** NATR from a precomputed ATR series. */
export function natrFromAtr(atrSeries: ArrayLike<number>, close: ArrayLike<number>): Float64Array {
  const out = nanSeries(atrSeries.length);
  for (let t = 0; t < out.length; t++) {
    const v = atrSeries[t]!;
    if (v !== v) continue;
    const c = close[t]!;
    out[t] = c !== 0 ? (v / c) * 100 : 0;
  }
  return out;
}

export interface BandsResult {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
}

/**
 * Bollinger Bands (TA-Lib BBANDS, MA type SMA): middle = SMA(n); sd = POPULATION stdev over the
 * same n values; upper/lower = middle +- k*sd. First value n-1.
 */
export function bbands(x: ArrayLike<number>, n = 20, kUp = 2, kDown = kUp): BandsResult {
  assertPeriod('bbands', n);
  return bandsFrom(sma(x, n), rollingStdev(x, n), kUp, kDown);
}

/** Bands from a precomputed middle line and stdev: middle +- k*sd. */
export function bandsFrom(middle: Float64Array, sd: ArrayLike<number>, kUp = 2, kDown = kUp): BandsResult {
  const len = middle.length;
  const upper = nanSeries(len);
  const lower = nanSeries(len);
  for (let t = 0; t < len; t++) {
    const m = middle[t]!;
    const s = sd[t]!;
    if (m !== m || s !== s) continue;
    upper[t] = m + kUp * s;
    lower[t] = m - kDown * s;
  }
  return { upper, middle, lower };
}

/**
 * Keltner channel: middle = EMA(close, emaPeriod) (TA-Lib EMA, SMA seed); upper/lower =
 * middle +- mult*ATR(atrPeriod) (TA-Lib Wilder ATR). First value at max(emaPeriod-1, atrPeriod).
 */
export function keltner(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  emaPeriod = 20,
  atrPeriod = 10,
  mult = 2,
): BandsResult {
  const middle = ema(close, emaPeriod);
  const a = atr(high, low, close, atrPeriod);
  const len = middle.length;
  const upper = nanSeries(len);
  const lower = nanSeries(len);
  const mid = nanSeries(len);
  for (let t = 0; t < len; t++) {
    const m = middle[t]!;
    const r = a[t]!;
    if (m !== m || r !== r) continue;
    mid[t] = m;
    upper[t] = m + mult * r;
    lower[t] = m - mult * r;
  }
  return { upper, middle: mid, lower };
}

/** Donchian channel: highest high / lowest low over the last n bars incl. t; middle = average. First n-1. */
export function donchian(high: ArrayLike<number>, low: ArrayLike<number>, n = 20): BandsResult {
  const upper = rollingMax(high, n);
  const lower = rollingMin(low, n);
  const middle = nanSeries(upper.length);
  for (let t = 0; t < upper.length; t++) middle[t] = (upper[t]! + lower[t]!) / 2;
  return { upper, middle, lower };
}

/** Simple return over k bars: x[t]/x[t-k] - 1; NaN (null) when x[t-k] is 0. First value k. */
export function simpleReturn(x: ArrayLike<number>, k = 1): Float64Array {
  assertPeriod('simpleReturn', k);
  const out = nanSeries(x.length);
  for (let t = k; t < x.length; t++) {
    const prev = x[t - k]!;
    if (prev !== 0) out[t] = x[t]! / prev - 1;
  }
  return out;
}

/** Log return over k bars: ln(x[t]/x[t-k]); NaN (null) unless both prices are > 0. First value k. */
export function logReturn(x: ArrayLike<number>, k = 1): Float64Array {
  assertPeriod('logReturn', k);
  const out = nanSeries(x.length);
  for (let t = k; t < x.length; t++) {
    const prev = x[t - k]!;
    const cur = x[t]!;
    if (prev > 0 && cur > 0) out[t] = Math.log(cur / prev);
  }
  return out;
}

/**
 * Rolling volatility: POPULATION stdev of 1-bar log returns over the last n returns (not
 * annualized). First value at index n (needs n returns, the first return is at index 1).
 */
export function logReturnVolatility(close: ArrayLike<number>, n = 20): Float64Array {
  return rollingStdev(logReturn(close, 1), n);
}

/** Z-score of x against its own last n values: (x - SMA_n)/popStdev_n; NaN (null) when stdev is 0. First n-1. */
export function zscore(x: ArrayLike<number>, n = 20): Float64Array {
  return zscoreFrom(x, rollingMean(x, n), rollingStdev(x, n));
}

/** Z-score from a precomputed rolling mean and population stdev. */
export function zscoreFrom(x: ArrayLike<number>, m: ArrayLike<number>, sd: ArrayLike<number>): Float64Array {
  const out = nanSeries(m.length);
  for (let t = 0; t < out.length; t++) {
    const s = sd[t]!;
    if (s > 0) out[t] = (x[t]! - m[t]!) / s;
  }
  return out;
}

/** Bollinger bandwidth: (upper - lower)/middle; NaN (null) when middle is 0. */
export function bbWidth(b: BandsResult): Float64Array {
  const out = nanSeries(b.middle.length);
  for (let t = 0; t < out.length; t++) {
    const m = b.middle[t]!;
    if (m !== 0) out[t] = (b.upper[t]! - b.lower[t]!) / m;
  }
  return out;
}

/** Bollinger %B: (x - lower)/(upper - lower); NaN (null) when the bands have collapsed (sd = 0). */
export function bbPercentB(x: ArrayLike<number>, b: BandsResult): Float64Array {
  const out = nanSeries(b.middle.length);
  for (let t = 0; t < out.length; t++) {
    const w = b.upper[t]! - b.lower[t]!;
    if (w > 0) out[t] = (x[t]! - b.lower[t]!) / w;
  }
  return out;
}
