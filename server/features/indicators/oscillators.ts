// Momentum oscillators. Canonical convention = TA-Lib (default compatibility, unstable period 0,
// whole history from index 0). Zero-denominator outputs follow TA-Lib (documented per function);
// TA-Lib's 1e-8 TA_IS_ZERO tests are replaced by exact `=== 0` tests so results do not depend on
// the price scale (same reasoning as TA-Lib's own MFI fix, issue #244); the two only differ when a
// denominator is below 1e-8 in absolute value.
import { assertPeriod, firstValidIndex, nanSeries, rollingMax, rollingMean, rollingMin, rollingSum } from './core';

export type RsiMode = 'talib' | 'talib-metastock' | 'ewm';

/**
 * Relative Strength Index.
 * 'talib' (default, Wilder): avgGain/avgLoss at index n = mean of the first n gains/losses
 *   (changes 1..n); then avg = (avg*(n-1) + current)/n. RSI = 100*avgGain/(avgGain+avgLoss);
 *   0 when both averages are 0 (TA-Lib). First value at index n.
 * 'talib-metastock': TA-Lib's METASTOCK compatibility; identical from index n on, plus one extra
 *   value at index n-1 computed from changes 1..n-1 (change 0 counted as 0) divided by n.
 * 'ewm' (bukosabino/ta): avg = ewm(alpha=1/n, adjust=False) of gains/losses with the bar-0
 *   gain/loss counted as 0 (i.e. averages start at 0 at bar 0), RSI = 100 - 100/(1+RS), 100 when
 *   avgLoss is 0; emitted from index n (the StockCharts sheet's first RSI row).
 */
export function rsi(close: ArrayLike<number>, n = 14, opts: { mode?: RsiMode } = {}): Float64Array {
  assertPeriod('rsi', n);
  const mode = opts.mode ?? 'talib';
  const len = close.length;
  const out = nanSeries(len);
  const f = firstValidIndex(close);
  if (mode === 'ewm') {
    let g = 0;
    let l = 0;
    const a = 1 / n;
    for (let t = f + 1; t < len; t++) {
      const d = close[t]! - close[t - 1]!;
      g = (1 - a) * g + a * (d > 0 ? d : 0);
      l = (1 - a) * l + a * (d < 0 ? -d : 0);
      if (t >= f + n) out[t] = l === 0 ? 100 : 100 - 100 / (1 + g / l);
    }
    return out;
  }
  if (f + n >= len) {
    if (mode === 'talib-metastock' && f + n - 1 < len) out[f + n - 1] = metastockFirst(close, f, n);
    return out;
  }
  if (mode === 'talib-metastock') out[f + n - 1] = metastockFirst(close, f, n);
  let gain = 0;
  let loss = 0;
  for (let t = f + 1; t <= f + n; t++) {
    const d = close[t]! - close[t - 1]!;
    if (d < 0) loss -= d;
    else gain += d;
  }
  gain /= n;
  loss /= n;
  let s = gain + loss;
  out[f + n] = s === 0 ? 0 : 100 * (gain / s);
  for (let t = f + n + 1; t < len; t++) {
    const d = close[t]! - close[t - 1]!;
    gain *= n - 1;
    loss *= n - 1;
    if (d < 0) loss -= d;
    else gain += d;
    gain /= n;
    loss /= n;
    s = gain + loss;
    out[t] = s === 0 ? 0 : 100 * (gain / s);
  }
  return out;
}

function metastockFirst(close: ArrayLike<number>, f: number, n: number): number {
  let gain = 0;
  let loss = 0;
  for (let t = f + 1; t <= f + n - 1; t++) {
    const d = close[t]! - close[t - 1]!;
    if (d < 0) loss -= d;
    else gain += d;
  }
  const s = gain / n + loss / n;
  return s === 0 ? 0 : 100 * (gain / n / s);
}

/**
 * Raw (fast) stochastic %K: 100*(C - LL_n)/(HH_n - LL_n), HH/LL over the last n bars including t.
 * 0 when HH == LL (TA-Lib). First value at index n-1. Evaluated as 100*((C-LL)/(HH-LL)) rather than
 * TA-Lib's (C-LL)/((HH-LL)/100): same value to ~1 ulp, but guaranteed to stay within [0, 100]
 * when LL <= C <= HH (TA-Lib's order can give 100.00000000000001).
 */
export function stochRawK(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, n = 14): Float64Array {
  assertPeriod('stochRawK', n);
  const hh = rollingMax(high, n);
  const ll = rollingMin(low, n);
  const out = nanSeries(close.length);
  for (let t = 0; t < close.length; t++) {
    const h = hh[t]!;
    const l = ll[t]!;
    if (h !== h || l !== l) continue;
    const range = h - l;
    out[t] = range !== 0 ? 100 * ((close[t]! - l) / range) : 0;
  }
  return out;
}

export interface StochResult {
  k: Float64Array;
  d: Float64Array;
}

/**
 * TA-Lib STOCH (slow stochastic), MA type SMA for both smoothings:
 *   fastK = stochRawK(fastK); slowK = SMA(fastK, slowK); slowD = SMA(slowK, slowD).
 * Both outputs start together at index (fastK-1)+(slowK-1)+(slowD-1) (17 for 14/3/3), as in
 * TA-Lib; slowK exists two bars earlier mathematically but TA-Lib does not emit it.
 */
export function stoch(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  fastK = 14,
  slowK = 3,
  slowD = 3,
): StochResult {
  return stochFromRawK(stochRawK(high, low, close, fastK), slowK, slowD);
}

/** STOCH from a precomputed raw %K (stochRawK): slowK = SMA(raw, slowK), slowD = SMA(slowK, slowD), aligned. */
export function stochFromRawK(rawK: ArrayLike<number>, slowK = 3, slowD = 3): StochResult {
  const k = rollingMean(rawK, slowK);
  const d = rollingMean(k, slowD);
  for (let t = 0; t < k.length; t++) if (Number.isNaN(d[t]!)) k[t] = Number.NaN;
  return { k, d };
}

/**
 * TA-Lib STOCHF (fast stochastic), SMA for %D: k = raw %K, d = SMA(k, fastD).
 * Both outputs start together at index (fastK-1)+(fastD-1), as in TA-Lib.
 * Use `stochRawK` for the un-aligned raw %K (first value at fastK-1).
 */
function stochf(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, fastK = 14, fastD = 3): StochResult {
  const k = stochRawK(high, low, close, fastK);
  const d = rollingMean(k, fastD);
  for (let t = 0; t < k.length; t++) if (Number.isNaN(d[t]!)) k[t] = Number.NaN;
  return { k, d };
}

/**
 * TA-Lib STOCHRSI: STOCHF(fastK, fastD, SMA) applied to RSI(n) (RSI used as high, low and close).
 * Both outputs start at n + (fastK-1) + (fastD-1) (29 for 14/14/3).
 */
export function stochRsi(close: ArrayLike<number>, n = 14, fastK = 14, fastD = 3): StochResult {
  const r = rsi(close, n);
  return stochf(r, r, r, fastK, fastD);
}

/**
 * Williams %R (TA-Lib WILLR): -100*(HH_n - C)/(HH_n - LL_n); 0 when HH == LL. First value n-1.
 * (Operation order chosen to stay within [-100, 0]; see stochRawK.)
 */
export function willr(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, n = 14): Float64Array {
  assertPeriod('willr', n);
  const hh = rollingMax(high, n);
  const ll = rollingMin(low, n);
  const out = nanSeries(close.length);
  for (let t = 0; t < close.length; t++) {
    const h = hh[t]!;
    const l = ll[t]!;
    if (h !== h || l !== l) continue;
    const range = h - l;
    out[t] = range !== 0 ? -100 * ((h - close[t]!) / range) : 0;
  }
  return out;
}

/** Typical price (H+L+C)/3. */
export function typicalPrice(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>): Float64Array {
  const out = new Float64Array(close.length);
  for (let t = 0; t < close.length; t++) out[t] = (high[t]! + low[t]! + close[t]!) / 3;
  return out;
}

/**
 * Commodity Channel Index (TA-Lib CCI): TP = (H+L+C)/3; m = mean(TP over n);
 * md = mean(|TP_i - m|); CCI = (TP - m)/(0.015*md); 0 when TP == m or md == 0. First value n-1.
 * The mean absolute deviation needs a full pass over the window, so this kernel is O(len*n)
 * (as is TA-Lib's); the mean is re-summed per window too, which makes every value an exact
 * function of its own window.
 */
export function cci(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, n = 20): Float64Array {
  assertPeriod('cci', n);
  const tp = typicalPrice(high, low, close);
  const len = tp.length;
  const out = nanSeries(len);
  for (let t = n - 1; t < len; t++) {
    let s = 0;
    for (let i = t - n + 1; i <= t; i++) s += tp[i]!;
    const m = s / n;
    let dev = 0;
    for (let i = t - n + 1; i <= t; i++) dev += Math.abs(tp[i]! - m);
    const diff = tp[t]! - m;
    out[t] = diff !== 0 && dev !== 0 ? diff / (0.015 * (dev / n)) : 0;
  }
  return out;
}

/**
 * Ultimate Oscillator (TA-Lib ULTOSC): for each bar t >= 1, BP = C - min(L, C[t-1]),
 * TR = max(H, C[t-1]) - min(L, C[t-1]); A_p = sum(BP, p)/sum(TR, p);
 * UO = 100*(4*A_p1 + 2*A_p2 + A_p3)/7 with p1 < p2 < p3 (periods are sorted as in TA-Lib); a term
 * whose TR sum is 0 contributes 0. First value at index p3 (28 for 7/14/28).
 */
export function ultosc(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  p1 = 7,
  p2 = 14,
  p3 = 28,
): Float64Array {
  [p1, p2, p3] = [p1, p2, p3].sort((a, b) => a - b) as [number, number, number];
  assertPeriod('ultosc', p1);
  const len = close.length;
  const bp = nanSeries(len);
  const tr = nanSeries(len);
  for (let t = 1; t < len; t++) {
    const pc = close[t - 1]!;
    const trueLow = Math.min(low[t]!, pc);
    bp[t] = close[t]! - trueLow;
    tr[t] = Math.max(high[t]!, pc) - trueLow;
  }
  const a1 = rollingSum(bp, p1);
  const b1 = rollingSum(tr, p1);
  const a2 = rollingSum(bp, p2);
  const b2 = rollingSum(tr, p2);
  const a3 = rollingSum(bp, p3);
  const b3 = rollingSum(tr, p3);
  const out = nanSeries(len);
  for (let t = p3; t < len; t++) {
    let o = 0;
    if (b1[t] !== 0) o += 4 * (a1[t]! / b1[t]!);
    if (b2[t] !== 0) o += 2 * (a2[t]! / b2[t]!);
    if (b3[t] !== 0) o += a3[t]! / b3[t]!;
    out[t] = 100 * (o / 7);
  }
  return out;
}

/** Rate of change (TA-Lib ROC): 100*(x[t]/x[t-n] - 1); 0 when x[t-n] == 0 (TA-Lib). First value n. */
export function roc(x: ArrayLike<number>, n = 10): Float64Array {
  assertPeriod('roc', n);
  const out = nanSeries(x.length);
  for (let t = n; t < x.length; t++) {
    const prev = x[t - n]!;
    out[t] = prev !== 0 ? (x[t]! / prev - 1) * 100 : 0;
  }
  return out;
}

export interface DmiResult {
  /** Wilder-smoothed +DM (TA-Lib PLUS_DM); first value at n-1 = plain sum of the first n-1 +DM. */
  plusDM: Float64Array;
  /** Wilder-smoothed -DM (TA-Lib MINUS_DM). */
  minusDM: Float64Array;
  /** +DI = 100*smoothed(+DM)/smoothed(TR); 0 when smoothed TR is 0. First value at n. */
  plusDI: Float64Array;
  minusDI: Float64Array;
  /** DX = 100*|+DI - -DI|/(+DI + -DI); when undefined: 0 at the first bar, else previous DX. From n. */
  dx: Float64Array;
  /** ADX: mean of DX over bars n..2n-1, then (prev*(n-1) + DX)/n; held when DX is undefined. From 2n-1. */
  adx: Float64Array;
}

/**
 * Wilder's directional movement system exactly as TA-Lib computes PLUS_DM/MINUS_DM/PLUS_DI/
 * MINUS_DI/DX/ADX:
 *   upMove = H - H[t-1], downMove = L[t-1] - L;
 *   -DM1 = downMove if downMove > 0 and upMove < downMove; else +DM1 = upMove if upMove > 0 and
 *   upMove > downMove (ties give neither);
 *   TR1 = max(H-L, |H-C[t-1]|, |L-C[t-1]|);
 *   the smoothed sums start as plain sums over bars 1..n-1, then S = S - S/n + X1 from bar n on.
 */
export function dmi(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, n = 14): DmiResult {
  assertPeriod('dmi', n, 2);
  const len = close.length;
  const plusDM = nanSeries(len);
  const minusDM = nanSeries(len);
  const plusDI = nanSeries(len);
  const minusDI = nanSeries(len);
  const dx = nanSeries(len);
  const adx = nanSeries(len);
  let sp = 0;
  let sm = 0;
  let str = 0;
  let sumDX = 0;
  let prevADX = 0;
  let prevDX = 0;
  for (let t = 1; t < len; t++) {
    const h = high[t]!;
    const l = low[t]!;
    const up = h - high[t - 1]!;
    const down = low[t - 1]! - l;
    let pdm = 0;
    let mdm = 0;
    if (down > 0 && up < down) mdm = down;
    else if (up > 0 && up > down) pdm = up;
    const pc = close[t - 1]!;
    let tr = h - l;
    const a = Math.abs(h - pc);
    if (a > tr) tr = a;
    const b = Math.abs(l - pc);
    if (b > tr) tr = b;
    if (t <= n - 1) {
      sp += pdm;
      sm += mdm;
      str += tr;
      if (t === n - 1) {
        plusDM[t] = sp;
        minusDM[t] = sm;
      }
      continue;
    }
    sp = sp - sp / n + pdm;
    sm = sm - sm / n + mdm;
    str = str - str / n + tr;
    plusDM[t] = sp;
    minusDM[t] = sm;
    let dxDefined = false;
    let dxv = 0;
    if (str !== 0) {
      const mdi = 100 * (sm / str);
      const pdi = 100 * (sp / str);
      plusDI[t] = pdi;
      minusDI[t] = mdi;
      const s = mdi + pdi;
      if (s !== 0) {
        dxv = 100 * (Math.abs(mdi - pdi) / s);
        dxDefined = true;
      }
    } else {
      plusDI[t] = 0;
      minusDI[t] = 0;
    }
    const dxOut = dxDefined ? dxv : t === n ? 0 : prevDX;
    dx[t] = dxOut;
    prevDX = dxOut;
    // ADX (TA-Lib: undefined DX adds nothing to the seed sum and does not move the average)
    if (t <= 2 * n - 1) {
      if (dxDefined) sumDX += dxv;
      if (t === 2 * n - 1) {
        prevADX = sumDX / n;
        adx[t] = prevADX;
      }
    } else {
      if (dxDefined) prevADX = (prevADX * (n - 1) + dxv) / n;
      adx[t] = prevADX;
    }
  }
  return { plusDM, minusDM, plusDI, minusDI, dx, adx };
}

