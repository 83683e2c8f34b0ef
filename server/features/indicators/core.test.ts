// Rolling primitives and kernel edge cases against naive (obviously-correct) implementations.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../demo/market-simulator';
import { rollingMax, rollingMean, rollingMin, rollingSum, rollingVariance, toNullable } from './core';
import { ema, macd, sma, wma } from './moving-averages';
import { cci, dmi, rsi, stoch, stochRsi, ultosc, willr } from './oscillators';
import { atr, bbPercentB, bbands, logReturn, simpleReturn, zscore } from './volatility';
import { mfi, obv, sessionVwap } from './volume';

const prng = seededRandom;

function randomWalk(n: number, seed: number, level = 100): number[] {
  const r = prng(seed);
  const out: number[] = [];
  let p = level;
  for (let i = 0; i < n; i++) {
    p *= 1 + (r() - 0.5) * 0.02;
    out.push(p);
  }
  return out;
}

function naiveWindow(x: number[], n: number, t: number): number[] | null {
  if (t < n - 1) return null;
  const w = x.slice(t - n + 1, t + 1);
  return w.some((v) => Number.isNaN(v)) ? null : w;
}

function expectSeries(actual: Float64Array, expected: Array<number | null>, tol: number, label: string): void {
  expect(actual.length).toBe(expected.length);
  for (let t = 0; t < expected.length; t++) {
    const e = expected[t];
    if (e === null || e === undefined) expect(Number.isNaN(actual[t]!), `${label}[${t}] should be NaN`).toBe(true);
    else expect(Math.abs(actual[t]! - e), `${label}[${t}]: ${actual[t]} vs ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
  }
}

describe('rolling primitives vs naive', () => {
  const x = randomWalk(997, 1);
  const withNaN = [Number.NaN, Number.NaN, Number.NaN, ...x.slice(0, 200)];
  withNaN[100] = Number.NaN; // interior gap

  for (const n of [1, 2, 3, 7, 20, 50]) {
    it(`rollingSum / rollingMean n=${n} (incl. leading and interior NaN)`, () => {
      for (const series of [x, withNaN]) {
        const expSum = series.map((_, t) => naiveWindow(series, n, t)?.reduce((a, b) => a + b, 0) ?? null);
        expectSeries(rollingSum(series, n), expSum, 1e-12, 'sum');
        expectSeries(rollingMean(series, n), expSum.map((v) => (v === null ? null : v / n)), 1e-12, 'mean');
      }
    });

    it(`rollingMax / rollingMin n=${n} (monotonic deque; ties, NaN)`, () => {
      const ties = x.map((v) => Math.round(v / 2)); // many equal values
      for (const series of [x, withNaN, ties]) {
        expectSeries(rollingMax(series, n), series.map((_, t) => naiveWindow(series, n, t)?.reduce((a, b) => Math.max(a, b)) ?? null), 0, 'max');
        expectSeries(rollingMin(series, n), series.map((_, t) => naiveWindow(series, n, t)?.reduce((a, b) => Math.min(a, b)) ?? null), 0, 'min');
      }
    });

    it(`rollingVariance n=${n} (population, two-pass reference)`, () => {
      for (const series of [x, withNaN]) {
        const exp = series.map((_, t) => {
          const w = naiveWindow(series, n, t);
          if (!w) return null;
          const m = w.reduce((a, b) => a + b, 0) / n;
          return w.reduce((a, b) => a + (b - m) ** 2, 0) / n;
        });
        expectSeries(rollingVariance(series, n), exp, 1e-9, 'var');
      }
    });
  }

  it('variance stays accurate at large price levels (no E[x^2]-E[x]^2 cancellation) and is exactly 0 on constant windows', () => {
    const r = prng(7);
    const big = Array.from({ length: 5000 }, () => 1e7 + Math.round(r() * 100) / 100);
    for (let i = 3000; i < 3100; i++) big[i] = 1e7 + 0.37; // constant stretch
    const v = rollingVariance(big, 20);
    for (let t = 19; t < big.length; t++) {
      const w = big.slice(t - 19, t + 1);
      const m = w.reduce((a, b) => a + b, 0) / 20;
      const exp = w.reduce((a, b) => a + (b - m) ** 2, 0) / 20;
      expect(Math.abs(v[t]! - exp), `var[${t}]`).toBeLessThan(1e-6);
    }
    for (let t = 3019; t < 3100; t++) expect(v[t], `constant window at ${t}`).toBe(0);
  });

  it('rolling sums do not drift over 200k bars (periodic exact re-summation)', () => {
    const long = randomWalk(200_000, 3, 50_000);
    const s = sma(long, 200);
    for (const t of [199, 1234, 99_999, 150_001, 199_998, 199_999]) {
      const w = long.slice(t - 199, t + 1);
      const exp = w.reduce((a, b) => a + b, 0) / 200;
      expect(Math.abs(s[t]! - exp) / exp, `sma200[${t}]`).toBeLessThan(1e-12);
    }
  });

  it('toNullable maps NaN/Infinity to null and keeps everything else', () => {
    expect(toNullable(new Float64Array([1, Number.NaN, -0, Number.POSITIVE_INFINITY, 2.5]))).toEqual([1, null, -0, null, 2.5]);
  });
});

describe('moving averages vs naive definitions', () => {
  const x = randomWalk(300, 11);

  it('EMA: SMA seed at n-1, then (x - prev)*k + prev; seed "first" starts from x[0]', () => {
    for (const n of [1, 2, 9, 26]) {
      const k = 2 / (n + 1);
      const expSma: Array<number | null> = x.map(() => null);
      let prev = x.slice(0, n).reduce((a, b) => a + b, 0) / n;
      expSma[n - 1] = prev;
      for (let t = n; t < x.length; t++) expSma[t] = prev = (x[t]! - prev) * k + prev;
      expectSeries(ema(x, n), expSma, 1e-12, `ema${n}`);
      const expFirst: Array<number | null> = x.map(() => null);
      prev = x[0]!;
      for (let t = 0; t < x.length; t++) {
        if (t > 0) prev = (x[t]! - prev) * k + prev;
        if (t >= n - 1) expFirst[t] = prev;
      }
      expectSeries(ema(x, n, { seed: 'first' }), expFirst, 1e-12, `ema-first${n}`);
    }
  });

  it('WMA: weights 1..n', () => {
    for (const n of [1, 2, 5, 20, 30]) {
      const exp = x.map((_, t) => {
        const w = naiveWindow(x, n, t);
        return w ? w.reduce((a, v, i) => a + (i + 1) * v, 0) / ((n * (n + 1)) / 2) : null;
      });
      expectSeries(wma(x, n), exp, 1e-12, `wma${n}`);
    }
  });

  it('MACD (TA-Lib): hist = macd - signal; macd equals the difference of the two TA-Lib-seeded EMAs', () => {
    const m = macd(x, 12, 26, 9);
    // fast EMA seeded with mean(x[14..25]) at bar 25
    let f = x.slice(14, 26).reduce((a, b) => a + b, 0) / 12;
    let s = x.slice(0, 26).reduce((a, b) => a + b, 0) / 26;
    const line: number[] = [];
    line[25] = f - s;
    for (let t = 26; t < x.length; t++) {
      f = (x[t]! - f) * (2 / 13) + f;
      s = (x[t]! - s) * (2 / 27) + s;
      line[t] = f - s;
    }
    for (let t = 0; t < 33; t++) expect(Number.isNaN(m.macd[t]!)).toBe(true);
    for (let t = 33; t < x.length; t++) {
      expect(m.macd[t]).toBeCloseTo(line[t]!, 12);
      expect(m.hist[t]).toBeCloseTo(m.macd[t]! - m.signal[t]!, 12);
    }
    // swapping fast/slow is normalised, as in TA-Lib
    expect(Array.from(macd(x, 26, 12, 9).macd)).toEqual(Array.from(m.macd));
  });
});

describe('degenerate input conventions (flat prices, zero volume)', () => {
  const n = 60;
  const flat = Array.from({ length: n }, () => 10);
  const zeros = Array.from({ length: n }, () => 0);

  it('TA-Lib zero-denominator rules: RSI 0, STOCH 0, WILLR 0, CCI 0, DI/DX/ADX 0, ULTOSC 0, MFI 0', () => {
    expect(rsi(flat, 14)[20]).toBe(0);
    expect(stoch(flat, flat, flat).k[20]).toBe(0);
    expect(willr(flat, flat, flat)[20]).toBe(0);
    expect(cci(flat, flat, flat)[20]).toBe(0);
    const d = dmi(flat, flat, flat);
    expect([d.plusDI[20], d.minusDI[20], d.dx[20], d.adx[40]]).toEqual([0, 0, 0, 0]);
    expect(ultosc(flat, flat, flat)[40]).toBe(0);
    expect(mfi(flat, flat, flat, flat, 14)[20]).toBe(0);
    expect(stochRsi(flat)[`k`][40]).toBe(0);
    expect(atr(flat, flat, flat)[20]).toBe(0);
  });

  it('non-TA-Lib derived features are null (NaN) when undefined: %B, z-score, returns on 0, VWAP with no volume', () => {
    const b = bbands(flat, 20);
    expect(b.upper[30]).toBe(10);
    expect(b.lower[30]).toBe(10);
    expect(Number.isNaN(bbPercentB(flat, b)[30]!)).toBe(true);
    expect(Number.isNaN(zscore(flat, 20)[30]!)).toBe(true);
    expect(Number.isNaN(simpleReturn([0, 1], 1)[1]!)).toBe(true);
    expect(Number.isNaN(logReturn([0, 1], 1)[1]!)).toBe(true);
    const v = sessionVwap(flat, flat, flat, zeros, zeros);
    expect(Number.isNaN(v[10]!)).toBe(true);
  });

  it('RSI: all gains -> 100, all losses -> 0', () => {
    const up = Array.from({ length: 30 }, (_, i) => 10 + i);
    const down = Array.from({ length: 30 }, (_, i) => 100 - i);
    expect(rsi(up, 14)[29]).toBe(100);
    expect(rsi(down, 14)[29]).toBe(0);
  });

  it('OBV: unchanged close leaves OBV unchanged; first value = first volume', () => {
    expect(Array.from(obv([1, 2, 2, 1], [5, 3, 4, 2]))).toEqual([5, 8, 8, 6]);
  });

  it('session VWAP resets when the key changes and is causal', () => {
    const h = [2, 4, 6, 8];
    const l = [2, 4, 6, 8];
    const c = [2, 4, 6, 8];
    const vol = [1, 1, 2, 1];
    const out = sessionVwap(h, l, c, vol, ['a', 'a', 'b', 'b']);
    expect(Array.from(out)).toEqual([2, 3, 6, (6 * 2 + 8) / 3]);
  });
});
