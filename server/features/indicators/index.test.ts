// computeFeatureRows: shape, catalog consistency, wiring against TA-Lib reference values,
// no-look-ahead / incremental-equals-full, session handling and input validation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFERENCE_DIR } from '../../../tooling/reference/reference-csv';
import { seededRandom } from '../../demo/market-simulator';
import {
  BAG_KEYS,
  FEATURE_CATALOG,
  FEATURE_COLUMNS,
  FEATURE_LOOKBACK,
  computeFeatureRows,
  computeFeatureRowsFrom,
  computeFeatureSeries,
  computeFeatureTable,
  featureRowChunks,
  firstAffectedIndex,
  nySessionDay,
  recomputeStartIndex,
  type FeatureBar,
  type FeatureRow,
} from './index';

const prng = seededRandom;

/** Random but well-formed bars (low <= open,close <= high, volume > 0), 1-minute spacing. */
function makeBars(n: number, seed = 42, startMs = Date.UTC(2024, 2, 8, 14, 30), stepMs = 60_000): FeatureBar[] {
  const r = prng(seed);
  const bars: FeatureBar[] = [];
  let p = 100;
  for (let i = 0; i < n; i++) {
    const open = p;
    const close = p * (1 + (r() - 0.5) * 0.01);
    const high = Math.max(open, close) * (1 + r() * 0.004);
    const low = Math.min(open, close) * (1 - r() * 0.004);
    bars.push({ open, high, low, close, volume: 1000 + Math.floor(r() * 10_000), timestamp: new Date(startMs + i * stepMs) });
    p = close;
  }
  return bars;
}

function sameRow(a: FeatureRow, b: FeatureRow): boolean {
  for (const f of FEATURE_COLUMNS) if (!Object.is(a.columns[f], b.columns[f])) return false;
  for (const k of BAG_KEYS) if (!Object.is(a.bag[k], b.bag[k])) return false;
  return Object.keys(a.bag).length === Object.keys(b.bag).length;
}

describe('computeFeatureRows shape and catalog', () => {
  const bars = makeBars(600);
  const rows = computeFeatureRows(bars);

  it('one row per bar with the 19 DB columns and at least 25 bag keys, all number | null', () => {
    expect(rows).toHaveLength(bars.length);
    expect(Object.keys(rows[0]!.columns)).toEqual([...FEATURE_COLUMNS]);
    expect(FEATURE_COLUMNS).toHaveLength(19);
    expect(BAG_KEYS.length).toBeGreaterThanOrEqual(25);
    for (const row of rows) {
      expect(Object.keys(row.bag)).toEqual([...BAG_KEYS]);
      for (const v of [...Object.values(row.columns), ...Object.values(row.bag)]) {
        expect(v === null || (typeof v === 'number' && Number.isFinite(v))).toBe(true);
      }
    }
  });

  it('empty input gives no rows', () => {
    expect(computeFeatureRows([])).toEqual([]);
  });

  it('FEATURE_CATALOG documents exactly the emitted features', () => {
    const names = Object.keys(FEATURE_CATALOG).sort();
    expect(names).toEqual([...FEATURE_COLUMNS, ...BAG_KEYS].sort());
    for (const [name, entry] of Object.entries(FEATURE_CATALOG)) {
      expect(entry.formula.length, name).toBeGreaterThan(3);
      expect(entry.convention.length, name).toBeGreaterThan(3);
      expect(entry.storage === 'column' ? FEATURE_COLUMNS : BAG_KEYS).toContain(name);
    }
  });

  it('every feature has exactly `warmup` leading nulls and no null afterwards (non-degenerate data)', () => {
    const table = computeFeatureTable(bars);
    for (const [name, entry] of Object.entries(FEATURE_CATALOG)) {
      const series = table[name]!;
      const firstValue = series.findIndex((v) => v !== null);
      expect(firstValue, `${name} first value`).toBe(entry.warmup);
      expect(series.slice(entry.warmup).every((v) => v !== null), `${name} has a null after warm-up`).toBe(true);
    }
  });

  it('columns agree with each other: bb_middle = sma_20, macd_hist = macd - macd_signal, ratios', () => {
    for (let t = 0; t < rows.length; t++) {
      const c = rows[t]!.columns;
      expect(c.bb_middle).toBe(c.sma_20);
      if (c.macd !== null) expect(c.macd_hist).toBeCloseTo(c.macd - c.macd_signal!, 12);
      expect(c.high_low_ratio).toBe(bars[t]!.high / bars[t]!.low);
      expect(c.close_open_ratio).toBe(bars[t]!.close / bars[t]!.open);
      if (c.bb_upper !== null) expect(c.bb_upper).toBeGreaterThanOrEqual(c.bb_lower!);
      const k = rows[t]!.bag.stoch_rsi_k;
      if (k !== null && k !== undefined) expect(k >= 0 && k <= 100).toBe(true);
    }
  });
});

describe('wiring against TA-Lib reference values (252-bar ta_regtest series)', () => {
  const csv = readFileSync(path.join(DEFAULT_REFERENCE_DIR, 'indicators/talib/talib_ref_input_252.csv'), 'utf8');
  const bars: FeatureBar[] = csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [i, open, high, low, close, volume] = line.split(',').map(Number) as [number, number, number, number, number, number];
      return { open, high, low, close, volume, timestamp: new Date(Date.UTC(2000, 0, 3) + i * 86_400_000) };
    });
  const rows = computeFeatureRows(bars);
  const near = (v: number | null | undefined, e: number) => {
    expect(v).not.toBeNull();
    expect(Math.abs((v as number) - e)).toBeLessThanOrEqual(0.01);
  };

  it('columns', () => {
    near(rows[14]!.columns.rsi_14, 49.14);
    near(rows[251]!.columns.rsi_14, 49.63);
    near(rows[33]!.columns.macd, -1.9738);
    near(rows[33]!.columns.macd_signal, -2.7071);
    near(rows[33]!.columns.macd_hist, 0.7333);
    expect(rows[32]!.columns.macd).toBeNull();
    near(rows[19]!.columns.bb_upper, 98.0734);
    near(rows[19]!.columns.bb_middle, 92.891);
    near(rows[19]!.columns.bb_lower, 87.7086);
    near(rows[14]!.columns.atr_14, 3.578);
    near(rows[251]!.columns.atr_14, 3.26);
    expect(rows[0]!.columns.obv).toBe(bars[0]!.volume);
  });

  it('bag', () => {
    near(rows[14]!.bag.natr_14, 3.9321);
    near(rows[13]!.bag.willr_14, -90.1943);
    near(rows[28]!.bag.ultosc_7_14_28, 47.1713);
    near(rows[27]!.bag.adx_14, 23.0);
    near(rows[251]!.bag.adx_14, 15.526);
    near(rows[14]!.bag.plus_di_14, 20.3781);
    near(rows[14]!.bag.minus_di_14, 30.1684);
    near(rows[14]!.bag.dx_14, 19.3689);
    near(rows[14]!.bag.mfi_14, 42.892339191984448);
    near(rows[1]!.bag.true_range, 3.535);
  });
});

describe('no look-ahead: incremental == full, exactly', () => {
  const all = makeBars(1500, 7);
  const full = computeFeatureRows(all);

  it('computing on bars[0..n] and bars[0..n+k] gives identical values for 0..n', () => {
    for (const n of [1, 5, 19, 27, 33, 200, 201, 777, 1200]) {
      for (const k of [1, 3, 250]) {
        if (n + k > all.length) continue;
        const shorter = computeFeatureRows(all.slice(0, n));
        const longer = computeFeatureRows(all.slice(0, n + k));
        for (let t = 0; t < n; t++) expect(sameRow(shorter[t]!, longer[t]!), `n=${n} k=${k} t=${t}`).toBe(true);
      }
    }
  });

  it('changing bars from index i on changes nothing before firstAffectedIndex(i) === i', () => {
    const r = prng(99);
    for (const i of [0, 10, 34, 500, 1499]) {
      const altered = all.map((b, j) =>
        j < i ? b : { ...b, close: b.close * (1 + (r() - 0.5) * 0.01), high: b.high * 1.01, volume: b.volume + 5 },
      );
      const rows = computeFeatureRows(altered);
      expect(firstAffectedIndex(i)).toBe(i);
      for (let t = 0; t < firstAffectedIndex(i); t++) expect(sameRow(rows[t]!, full[t]!), `i=${i} t=${t}`).toBe(true);
      if (i < all.length) expect(sameRow(rows[i]!, full[i]!)).toBe(false);
    }
  });

  it('computeFeatureRowsFrom(bars, i) === computeFeatureRows(bars).slice(i)', () => {
    for (const i of [0, 1, 250, 1499, 1500, 2000]) {
      const tail = computeFeatureRowsFrom(all, i);
      const expected = full.slice(i);
      expect(tail).toHaveLength(expected.length);
      tail.forEach((row, j) => expect(sameRow(row, expected[j]!)).toBe(true));
    }
  });

  it('featureRowChunks yields the same rows in chunks (from, chunkSize)', () => {
    for (const [from, chunkSize] of [[0, 1000], [0, 7], [1234, 100], [1500, 10]] as const) {
      const got: FeatureRow[] = [];
      let expectedStart = from;
      for (const chunk of featureRowChunks(all, { from, chunkSize })) {
        expect(chunk.start).toBe(expectedStart);
        expect(chunk.rows.length).toBeLessThanOrEqual(chunkSize);
        expectedStart += chunk.rows.length;
        got.push(...chunk.rows);
      }
      expect(got).toHaveLength(all.length - from);
      got.forEach((row, j) => expect(sameRow(row, full[from + j]!)).toBe(true));
    }
  });

  it('recursive indicators make the recompute lookback unbounded: FEATURE_LOOKBACK = Infinity, start = 0', () => {
    expect(FEATURE_LOOKBACK).toBe(Number.POSITIVE_INFINITY);
    expect(recomputeStartIndex(1234)).toBe(0);
    // and indeed: recomputing from a tail (here bars 700.., i.e. 300 bars of "lookback" before a
    // change at 1000) does not reproduce the recursive indicators; OBV never converges.
    const start = 700;
    const tailRows = computeFeatureRows(all.slice(start));
    for (const t of [760, 1000]) {
      const a = tailRows[t - start]!.columns;
      const b = full[t]!.columns;
      expect(a.obv).not.toBe(b.obv);
      // windowed features agree up to the rolling sums' re-anchoring round-off, not necessarily bit for bit
      expect(Math.abs(a.sma_20! - b.sma_20!)).toBeLessThan(1e-9);
    }
    const a = tailRows[760 - start]!.columns;
    const b = full[760]!.columns;
    expect(a.ema_26).not.toBe(b.ema_26);
    expect(a.rsi_14).not.toBe(b.rsi_14);
    expect(a.atr_14).not.toBe(b.atr_14);
    expect(a.macd).not.toBe(b.macd);
  });
});

describe('session VWAP and the New York session key', () => {
  it('nySessionDay equals the Intl America/New_York calendar date (DST edges, UTC hour 04, pre-2007 rules)', () => {
    const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });
    const viaIntl = (ms: number) => Date.parse(`${fmt.format(new Date(ms))}T00:00:00Z`) / 86_400_000;
    const r = prng(5);
    const instants: number[] = [];
    for (let i = 0; i < 20_000; i++) instants.push(Date.UTC(1950, 0, 1) + Math.floor(r() * (Date.UTC(2060, 0, 1) - Date.UTC(1950, 0, 1))));
    // every 15 minutes across the 2024 and 2006 DST transitions (UTC hours 03..08)
    for (const day of [Date.UTC(2024, 2, 10), Date.UTC(2024, 10, 3), Date.UTC(2006, 3, 2), Date.UTC(2006, 9, 29)]) {
      for (let m = -24 * 60; m <= 48 * 60; m += 15) instants.push(day + m * 60_000);
    }
    instants.push(Date.UTC(1850, 5, 1, 4, 30), Date.UTC(1850, 5, 1, 23, 59));
    for (const ms of instants) expect(nySessionDay(new Date(ms)), new Date(ms).toISOString()).toBe(viaIntl(ms));
  });

  it('VWAP resets at New York midnight, also across a DST change', () => {
    // 1-minute bars from 2024-03-09 22:00 ET (03:00Z) over the 2024-03-10 spring-forward night.
    const bars = makeBars(600, 3, Date.UTC(2024, 2, 10, 3, 0));
    const rows = computeFeatureRows(bars);
    const resetAt = bars.findIndex((b) => b.timestamp.getTime() === Date.UTC(2024, 2, 10, 5, 0)); // 00:00 EST
    expect(resetAt).toBe(120);
    const tp = (b: FeatureBar) => (b.high + b.low + b.close) / 3;
    expect(rows[resetAt]!.bag.vwap_session).toBeCloseTo(tp(bars[resetAt]!), 12);
    expect(rows[0]!.bag.vwap_session).toBeCloseTo(tp(bars[0]!), 12);
    // bar just before the reset accumulates the whole previous session
    const prev = bars.slice(0, resetAt);
    const exp = prev.reduce((s, b) => s + tp(b) * b.volume, 0) / prev.reduce((s, b) => s + b.volume, 0);
    expect(rows[resetAt - 1]!.bag.vwap_session).toBeCloseTo(exp, 9);
    expect(rows[resetAt]!.bag.vwap_distance).toBeCloseTo(bars[resetAt]!.close / tp(bars[resetAt]!) - 1, 12);
  });

  it('a custom sessionKey overrides the default', () => {
    const bars = makeBars(50, 4);
    const rows = computeFeatureRows(bars, { sessionKey: () => 'one-session' });
    const exp = bars.reduce((s, b) => s + ((b.high + b.low + b.close) / 3) * b.volume, 0) / bars.reduce((s, b) => s + b.volume, 0);
    expect(rows[49]!.bag.vwap_session).toBeCloseTo(exp, 9);
  });
});

describe('input validation', () => {
  it('rejects non-finite values and non-increasing timestamps', () => {
    const bars = makeBars(10);
    expect(() => computeFeatureRows(bars.map((b, i) => (i === 3 ? { ...b, close: Number.NaN } : b)))).toThrow(/bar 3/);
    expect(() => computeFeatureRows(bars.map((b, i) => (i === 4 ? { ...b, volume: Number.POSITIVE_INFINITY } : b)))).toThrow(/bar 4/);
    expect(() => computeFeatureRows([bars[1]!, bars[0]!])).toThrow(/strictly increasing/);
    expect(() => computeFeatureRows([bars[0]!, bars[0]!])).toThrow(/strictly increasing/);
    expect(() => computeFeatureRows([{ ...bars[0]!, timestamp: new Date(Number.NaN) }])).toThrow(/invalid timestamp/);
    expect(() => computeFeatureRows([{ ...bars[0]!, open: '5' as unknown as number }])).toThrow(/bar 0/);
  });

  it('computeFeatureSeries exposes the same values as Float64Arrays (NaN = null)', () => {
    const bars = makeBars(100);
    const s = computeFeatureSeries(bars);
    const rows = computeFeatureRows(bars);
    expect(Number.isNaN(s.columns.sma_20[18]!)).toBe(true);
    expect(s.columns.sma_20[19]).toBe(rows[19]!.columns.sma_20);
    expect(s.bag.adx_14[27]).toBe(rows[27]!.bag.adx_14);
  });
});
