// Moving averages and MACD. Canonical convention = TA-Lib (TA_COMPATIBILITY_DEFAULT, unstable
// period 0, called over the whole history with startIdx 0):
// - SMA(n): arithmetic mean of the last n values; first value at index n-1.
// - EMA(n): k = 2/(n+1), seeded with the SMA of the first n values (value at index n-1), then
//   ema = (x - prev)*k + prev. Variant seed 'first' = pandas ewm(span=n, adjust=False,
//   min_periods=n) as used by bukosabino/ta: ema[0] = x[0], same recursion, hidden until index n-1.
// - WMA(n): weights 1..n (newest = n), divided by n(n+1)/2; first value at index n-1.
// - MACD(12,26,9) TA-Lib style: slow EMA seeded with SMA(x[0..25]); the FAST EMA is seeded at the
//   same bar with SMA(x[14..25]) (NOT x[0..11]); signal = EMA9 of the MACD line seeded with the SMA
//   of its first 9 values; macd, signal and hist are all emitted from index 33 on.
import { assertPeriod, firstValidIndex, nanSeries, rollingMean } from './core';

export type EmaSeed = 'sma' | 'first';

/** Simple moving average (TA-Lib SMA). First value at index first+n-1. */
export function sma(x: ArrayLike<number>, n: number): Float64Array {
  assertPeriod('sma', n);
  return rollingMean(x, n);
}

/**
 * Exponential moving average, k = 2/(n+1).
 * seed 'sma' (default, TA-Lib): value at index f+n-1 = mean(x[f..f+n-1]) where f = first non-NaN.
 * seed 'first' (pandas ewm adjust=False, bukosabino/ta): ema[f] = x[f], hidden until f+n-1.
 * The input must not contain NaN after its leading NaN prefix.
 */
export function ema(x: ArrayLike<number>, n: number, opts: { seed?: EmaSeed } = {}): Float64Array {
  assertPeriod('ema', n);
  return emaWithK(x, n, 2 / (n + 1), opts.seed ?? 'sma');
}

/** EMA with an explicit smoothing factor k (Wilder smoothing = k 1/n). */
function emaWithK(x: ArrayLike<number>, n: number, k: number, seed: EmaSeed): Float64Array {
  const len = x.length;
  const out = nanSeries(len);
  const f = firstValidIndex(x);
  const firstOut = f + n - 1;
  if (firstOut >= len) return out;
  let prev: number;
  let t: number;
  if (seed === 'sma') {
    let s = 0;
    for (let i = f; i <= firstOut; i++) s += x[i]!;
    prev = s / n;
    out[firstOut] = prev;
    t = firstOut + 1;
  } else {
    prev = x[f]!;
    if (firstOut === f) out[f] = prev;
    for (t = f + 1; t <= firstOut; t++) prev = (x[t]! - prev) * k + prev;
    out[firstOut] = prev;
  }
  for (; t < len; t++) {
    prev = (x[t]! - prev) * k + prev;
    out[t] = prev;
  }
  return out;
}

/**
 * Weighted moving average (TA-Lib WMA): sum_{i=0}^{n-1} (n-i)*x[t-i] / (n(n+1)/2).
 * O(n) with the running-numerator trick; numerator and plain sum are recomputed exactly from the
 * window every n bars (absolute-index anchored) to bound drift.
 */
export function wma(x: ArrayLike<number>, n: number): Float64Array {
  assertPeriod('wma', n);
  const len = x.length;
  const out = nanSeries(len);
  const f = firstValidIndex(x);
  const divider = (n * (n + 1)) / 2;
  let num = 0; // sum of weighted values in window
  let sum = 0; // plain sum of values in window
  for (let t = f; t < len; t++) {
    const v = x[t]!;
    const w = Math.min(t - f + 1, n); // number of values in the window after adding v
    if (t - f >= n) {
      // window full before adding: every weight drops by one, the oldest (weight 1) leaves
      num = num - sum + n * v;
      sum = sum - x[t - n]! + v;
    } else {
      num += w * v;
      sum += v;
    }
    if (t - f >= n - 1) {
      if ((t + 1) % n === 0) {
        let a = 0;
        let b = 0;
        for (let i = 0; i < n; i++) {
          const xv = x[t - i]!;
          a += (n - i) * xv;
          b += xv;
        }
        num = a;
        sum = b;
      }
      out[t] = num / divider;
    }
  }
  return out;
}

/**
 * 'talib': TA-Lib TA_MACD (fast EMA seeded at the slow EMA's seed bar).
 * 'independent': textbook / technicalindicators - EMA(fast) and EMA(slow) each seeded with the SMA
 *   of their own first n values (fast at bar fast-1), signal = SMA-seeded EMA of the MACD line.
 * 'first': pandas ewm(adjust=False) / bukosabino ta - every EMA seeded with its first input.
 */
export type MacdSeed = 'talib' | 'independent' | 'first';

export interface MacdResult {
  macd: Float64Array;
  signal: Float64Array;
  hist: Float64Array;
}

/**
 * MACD.
 * seed 'talib' (default): TA-Lib TA_MACD semantics (see file header); all three outputs start at
 *   index f + slow-1 + signal-1 (33 for 12/26/9).
 * seed 'independent' / 'first' (see MacdSeed): macd from f+slow-1, signal and hist from
 *   f+slow-1+signal-1.
 */
export function macd(
  x: ArrayLike<number>,
  fast = 12,
  slow = 26,
  signal = 9,
  opts: { seed?: MacdSeed } = {},
): MacdResult {
  assertPeriod('macd fast', fast);
  assertPeriod('macd slow', slow);
  assertPeriod('macd signal', signal);
  if (slow < fast) [fast, slow] = [slow, fast]; // TA-Lib swaps them too
  const len = x.length;
  const macdLine = nanSeries(len);
  const f = firstValidIndex(x);
  const seedIdx = f + slow - 1;
  const mode = opts.seed ?? 'talib';
  if (mode !== 'talib') {
    const seed: EmaSeed = mode === 'first' ? 'first' : 'sma';
    const fastE = ema(x, fast, { seed });
    const slowE = ema(x, slow, { seed });
    for (let t = seedIdx; t < len; t++) macdLine[t] = fastE[t]! - slowE[t]!;
    const sig = ema(macdLine, signal, { seed });
    const hist = nanSeries(len);
    for (let t = 0; t < len; t++) hist[t] = macdLine[t]! - sig[t]!;
    return { macd: macdLine, signal: sig, hist };
  }
  if (seedIdx < len) {
    const kf = 2 / (fast + 1);
    const ks = 2 / (slow + 1);
    let sf = 0;
    for (let i = seedIdx - fast + 1; i <= seedIdx; i++) sf += x[i]!;
    let ss = 0;
    for (let i = f; i <= seedIdx; i++) ss += x[i]!;
    let pf = sf / fast;
    let ps = ss / slow;
    macdLine[seedIdx] = pf - ps;
    for (let t = seedIdx + 1; t < len; t++) {
      const v = x[t]!;
      pf = (v - pf) * kf + pf;
      ps = (v - ps) * ks + ps;
      macdLine[t] = pf - ps;
    }
  }
  const sig = ema(macdLine, signal, { seed: 'sma' });
  const outMacd = nanSeries(len);
  const hist = nanSeries(len);
  for (let t = 0; t < len; t++) {
    const s = sig[t]!;
    if (s === s) {
      outMacd[t] = macdLine[t]!;
      hist[t] = macdLine[t]! - s;
    }
  }
  return { macd: outMacd, signal: sig, hist };
}
