// Shared building blocks for the indicator kernels: the numeric series type, rolling-window
// primitives (sum, population variance, max/min via monotonic deque) and the NaN -> null boundary.
//
// Conventions used by every kernel in this folder
// - Input series are ArrayLike<number>, oldest first. Output series are Float64Array of the same
//   length in which NaN marks "no value" (warm-up, or a value that is mathematically undefined and
//   for which no documented convention exists). `toNullable` turns NaN into null at the boundary;
//   the public row API (index.ts) only ever hands out number | null.
// - Kernels are strictly causal: out[t] is computed from inputs[0..t] only, by a single forward
//   pass. Consequently appending bars never changes earlier outputs, bit for bit.
// - Composed kernels (e.g. SMA of %K, EMA of the MACD line) accept series with a leading NaN
//   prefix: a window containing NaN yields NaN, so warm-ups add up the way TA-Lib's lookbacks do.

/** Per-bar output at the public boundary; null = no value (warm-up / undefined). */
export type Series = (number | null)[];

/** A new series of `length` NaNs. */
export function nanSeries(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}

/** NaN / +-Infinity -> null, everything else unchanged. */
export function toNullable(series: ArrayLike<number>): Series {
  const out: Series = new Array<number | null>(series.length);
  for (let i = 0; i < series.length; i++) {
    const v = series[i]!;
    out[i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/** Index of the first non-NaN element, or `length` if there is none. */
export function firstValidIndex(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]!)) return i;
  return x.length;
}

export function assertPeriod(name: string, period: number, min = 1): void {
  if (!Number.isInteger(period) || period < min) {
    throw new RangeError(`${name}: period must be an integer >= ${min}, got ${period}`);
  }
}

/**
 * Rolling sum over the last `n` values (window ending at t, inclusive).
 * out[t] is NaN until the window is full and whenever the window contains a NaN.
 * O(n) overall: add/subtract accumulator, re-summed exactly from the window every `n` bars
 * (at absolute indices t with (t+1) % n === 0) so floating-point drift cannot accumulate over long
 * histories. The re-anchoring points depend only on the absolute index, so the result is still a
 * deterministic function of inputs[0..t].
 */
export function rollingSum(x: ArrayLike<number>, n: number): Float64Array {
  assertPeriod('rollingSum', n);
  const len = x.length;
  const out = nanSeries(len);
  let sum = 0;
  let nans = 0;
  for (let t = 0; t < len; t++) {
    const v = x[t]!;
    if (v !== v) nans++;
    else sum += v;
    if (t >= n) {
      const o = x[t - n]!;
      if (o !== o) nans--;
      else sum -= o;
    }
    if (t >= n - 1) {
      if ((t + 1) % n === 0) {
        let s = 0;
        for (let i = t - n + 1; i <= t; i++) {
          const w = x[i]!;
          if (w === w) s += w;
        }
        sum = s;
      }
      if (nans === 0) out[t] = sum;
    }
  }
  return out;
}

/** Simple moving average: rollingSum / n. */
export function rollingMean(x: ArrayLike<number>, n: number): Float64Array {
  const out = rollingSum(x, n);
  for (let t = 0; t < out.length; t++) out[t] = out[t]! / n;
  return out;
}

/**
 * Rolling POPULATION variance (divide by n) over the last `n` values.
 * Computed from sums of (x - c) and (x - c)^2 with a shift c that is reset to the newest value at
 * every re-anchoring point (every n bars, window re-summed exactly), which avoids the catastrophic
 * cancellation of the naive E[x^2] - E[x]^2 formula at large price levels and bounds drift.
 * A window whose values are all identical gives exactly 0 (tracked with a run counter, not inferred
 * from the floating sums). Negative round-off is clamped to 0.
 */
export function rollingVariance(x: ArrayLike<number>, n: number): Float64Array {
  assertPeriod('rollingVariance', n);
  const len = x.length;
  const out = nanSeries(len);
  let c = 0;
  let s1 = 0;
  let s2 = 0;
  let nans = 0;
  // changes = number of i in (t-n+1, t] with x[i] !== x[i-1]; 0 means the window is constant.
  let changes = 0;
  for (let t = 0; t < len; t++) {
    const v = x[t]!;
    if (v !== v) nans++;
    else {
      const d = v - c;
      s1 += d;
      s2 += d * d;
    }
    if (t >= 1 && x[t] !== x[t - 1]) changes++;
    if (t >= n) {
      const o = x[t - n]!;
      if (o !== o) nans--;
      else {
        const d = o - c;
        s1 -= d;
        s2 -= d * d;
      }
      // the pair (t-n, t-n+1) leaves the window
      if (x[t - n + 1] !== x[t - n]) changes--;
    }
    if (t >= n - 1) {
      if ((t + 1) % n === 0 && v === v) {
        c = v;
        let a = 0;
        let b = 0;
        for (let i = t - n + 1; i <= t; i++) {
          const w = x[i]!;
          if (w === w) {
            const d = w - c;
            a += d;
            b += d * d;
          }
        }
        s1 = a;
        s2 = b;
      }
      if (nans === 0) {
        if (changes === 0) out[t] = 0;
        else {
          const m = s1 / n;
          const variance = s2 / n - m * m;
          out[t] = variance > 0 ? variance : 0;
        }
      }
    }
  }
  return out;
}

/** Rolling population standard deviation: sqrt(rollingVariance). */
export function rollingStdev(x: ArrayLike<number>, n: number): Float64Array {
  const out = rollingVariance(x, n);
  for (let t = 0; t < out.length; t++) out[t] = Math.sqrt(out[t]!);
  return out;
}

function rollingExtreme(x: ArrayLike<number>, n: number, wantMax: boolean): Float64Array {
  assertPeriod(wantMax ? 'rollingMax' : 'rollingMin', n);
  const len = x.length;
  const out = nanSeries(len);
  // Monotonic deque of indices in a ring buffer; values at the indices are strictly monotonic
  // from head to tail (decreasing for max, increasing for min).
  const cap = n + 1;
  const dq = new Int32Array(cap);
  let head = 0;
  let size = 0;
  let lastNaN = -1;
  for (let t = 0; t < len; t++) {
    const v = x[t]!;
    // drop the index that left the window
    if (size > 0 && dq[head]! <= t - n) {
      head = (head + 1) % cap;
      size--;
    }
    if (v !== v) {
      lastNaN = t;
    } else {
      while (size > 0) {
        const tailPos = (head + size - 1) % cap;
        const tv = x[dq[tailPos]!]!;
        if (wantMax ? tv <= v : tv >= v) size--;
        else break;
      }
      dq[(head + size) % cap] = t;
      size++;
    }
    if (t >= n - 1 && t - lastNaN >= n && size > 0) out[t] = x[dq[head]!]!;
  }
  return out;
}

/** Highest value over the last n values (inclusive of t). Monotonic deque, O(n) total. */
export function rollingMax(x: ArrayLike<number>, n: number): Float64Array {
  return rollingExtreme(x, n, true);
}

/** Lowest value over the last n values (inclusive of t). Monotonic deque, O(n) total. */
export function rollingMin(x: ArrayLike<number>, n: number): Float64Array {
  return rollingExtreme(x, n, false);
}
