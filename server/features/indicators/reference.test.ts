// Indicator kernels against published reference values.
// - tooling/reference/data/indicators (see its README.md): TA-Lib regression data, bukosabino/ta
//   StockCharts CSVs, technicalindicators fixtures.
// - Additional TA-Lib regression values that are not in that folder (TRANGE/ATR, the directional
//   movement family, MFI) are embedded below, transcribed from TA-Lib's own regression tests that
//   run on the same 252-bar series; file + commit cited at each table.
// Tolerance: 0.01 absolute (TA-Lib's CHECK_EXPECTED_VALUE band) unless a reference is printed with
// fewer decimals, in which case half a unit of its last printed digit.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFERENCE_DIR } from '../../../tooling/reference/reference-csv';
import { rollingStdev } from './core';
import { ema, macd, sma, wma } from './moving-averages';
import { cci, dmi, rsi, stoch, stochRawK, ultosc, willr } from './oscillators';
import { atr, bbands, bbPercentB, natr, trueRange } from './volatility';
import { mfi, obv } from './volume';

const REF = path.join(DEFAULT_REFERENCE_DIR, 'indicators');
const TOL = 0.01;

function readCsv(file: string): Record<string, string>[] {
  const lines = readFileSync(path.join(REF, file), 'utf8').replace(/\r/g, '').trim().split('\n');
  const header = lines[0]!.split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

const num = (s: string | undefined): number | null => (s === undefined || s.trim() === '' ? null : Number(s));

function expectClose(actual: number | undefined, expected: number, tol: number, label: string): void {
  expect(actual, label).toBeTypeOf('number');
  expect(Number.isNaN(actual), `${label} is NaN`).toBe(false);
  expect(Math.abs(actual! - expected), `${label}: got ${actual}, expected ${expected}`).toBeLessThanOrEqual(tol);
}

/** Half a unit in the last printed decimal of `printed` (for references rounded by their source). */
function printedTol(printed: number): number {
  const s = String(printed);
  const dec = s.includes('.') ? s.split('.')[1]!.length : 0;
  return 0.5 * 10 ** -dec + 1e-9;
}

// ------------------------------------------------------------------------------------ TA-Lib
interface TalibTest {
  indicator: string;
  params: Record<string, number | string>;
  compatibility?: string;
  begIdx: number;
  values: Array<Record<string, number>>;
}
const talib = JSON.parse(readFileSync(path.join(REF, 'talib/talib_expected.json'), 'utf8')) as { tests: TalibTest[] };
const ref = readCsv('talib/talib_ref_input_252.csv');
const O = ref.map((r) => Number(r.open));
const H = ref.map((r) => Number(r.high));
const L = ref.map((r) => Number(r.low));
const C = ref.map((r) => Number(r.close));
const V = ref.map((r) => Number(r.volume));

function talibTests(indicator: string, pred: (t: TalibTest) => boolean = () => true): TalibTest[] {
  const found = talib.tests.filter((t) => t.indicator === indicator && pred(t));
  expect(found.length, `TA-Lib tests for ${indicator}`).toBeGreaterThan(0);
  return found;
}

function checkWarmup(series: Float64Array, begIdx: number, label: string): void {
  expect(Number.isNaN(series[begIdx - 1]!), `${label}: index ${begIdx - 1} must be warm-up`).toBe(true);
  expect(Number.isNaN(series[begIdx]!), `${label}: index ${begIdx} must have a value`).toBe(false);
}

describe('TA-Lib regression values (talib_expected.json, 252-bar ta_regtest series)', () => {
  it('input series is the 252-bar reference', () => {
    expect(C.length).toBe(252);
    expect(O[0]).toBe(92.5);
  });

  it('RSI(14) classic (Wilder, SMA seed)', () => {
    for (const t of talibTests('RSI', (x) => !x.compatibility)) {
      const out = rsi(C, Number(t.params.period));
      checkWarmup(out, t.begIdx, 'RSI');
      for (const v of t.values) expectClose(out[v.inputIndex!], v.value!, TOL, `RSI[${v.inputIndex}]`);
    }
  });

  it('RSI(14) METASTOCK compatibility (extra first value at index 13)', () => {
    for (const t of talibTests('RSI', (x) => x.compatibility === 'METASTOCK')) {
      const out = rsi(C, Number(t.params.period), { mode: 'talib-metastock' });
      checkWarmup(out, t.begIdx, 'RSI metastock');
      for (const v of t.values) expectClose(out[v.inputIndex!], v.value!, TOL, `RSI-MS[${v.inputIndex}]`);
    }
  });

  it('SMA(30), SMA(2)', () => {
    for (const t of talibTests('SMA')) {
      const out = sma(C, Number(t.params.period));
      checkWarmup(out, t.begIdx, `SMA${t.params.period}`);
      for (const v of t.values) expectClose(out[v.inputIndex!], v.value!, TOL, `SMA${t.params.period}[${v.inputIndex}]`);
    }
  });

  it('WMA(30)', () => {
    for (const t of talibTests('WMA')) {
      const out = wma(C, Number(t.params.period));
      checkWarmup(out, t.begIdx, 'WMA');
      for (const v of t.values) expectClose(out[v.inputIndex!], v.value!, TOL, `WMA[${v.inputIndex}]`);
    }
  });

  it('EMA(10), EMA(2) seeded with the SMA of the first n values', () => {
    for (const t of talibTests('EMA')) {
      const out = ema(C, Number(t.params.period));
      checkWarmup(out, t.begIdx, `EMA${t.params.period}`);
      for (const v of t.values) expectClose(out[v.inputIndex!], v.value!, TOL, `EMA${t.params.period}[${v.inputIndex}]`);
    }
  });

  it('MACD(12,26,9): fast EMA seeded over closes[14..25]; all outputs start at 33', () => {
    for (const t of talibTests('MACD')) {
      const m = macd(C, 12, 26, 9);
      checkWarmup(m.macd, t.begIdx, 'MACD');
      checkWarmup(m.signal, t.begIdx, 'MACD signal');
      checkWarmup(m.hist, t.begIdx, 'MACD hist');
      for (const v of t.values) {
        expectClose(m.macd[v.inputIndex!], v.macd!, TOL, 'macd');
        expectClose(m.signal[v.inputIndex!], v.signal!, TOL, 'signal');
        expectClose(m.hist[v.inputIndex!], v.hist!, TOL, 'hist');
      }
    }
  });

  it('MACD gotcha: a textbook MACD (EMA12 seeded at bar 11) gives the documented different values', () => {
    // README: textbook EMA(12) seeded at bar 11 -> -2.1835 / -3.1552 at bar 33 (vs -1.9738/-2.7071).
    const m = macd(C, 12, 26, 9, { seed: 'independent' });
    expectClose(m.macd[33], -2.1835, TOL, 'independent macd[33]');
    expectClose(m.signal[33], -3.1552, TOL, 'independent signal[33]');
    expect(Math.abs(m.macd[33]! - -1.9738)).toBeGreaterThan(0.1);
  });

  it('BBANDS(20, 2, 2, SMA), population stdev', () => {
    for (const t of talibTests('BBANDS', (x) => !x.compatibility)) {
      const b = bbands(C, 20, 2, 2);
      checkWarmup(b.middle, t.begIdx, 'BB');
      for (const v of t.values) {
        expectClose(b.upper[v.inputIndex!], v.upper!, TOL, 'upper');
        expectClose(b.middle[v.inputIndex!], v.middle!, TOL, 'middle');
        expectClose(b.lower[v.inputIndex!], v.lower!, TOL, 'lower');
      }
    }
  });

  it('BBANDS(20, 2, 2, EMA) METASTOCK = EMA seeded with the first value +- 2 * population stdev', () => {
    // TA-Lib's METASTOCK EMA seeds with inReal[0] (== our ema seed 'first'); the stdev is the plain
    // population stdev over the window.
    for (const t of talibTests('BBANDS', (x) => x.compatibility === 'METASTOCK')) {
      const mid = ema(C, 20, { seed: 'first' });
      const sd = rollingStdev(C, 20);
      checkWarmup(mid, t.begIdx, 'BB-EMA');
      for (const v of t.values) {
        const i = v.inputIndex!;
        expectClose(mid[i]! + 2 * sd[i]!, v.upper!, TOL, `upper[${i}]`);
        expectClose(mid[i], v.middle!, TOL, `middle[${i}]`);
        expectClose(mid[i]! - 2 * sd[i]!, v.lower!, TOL, `lower[${i}]`);
      }
    }
  });

  it('STOCH(5,3,3) and STOCH(5,3,4), SMA smoothing, outputs aligned', () => {
    for (const t of talibTests('STOCH')) {
      const s = stoch(H, L, C, Number(t.params.fastK), Number(t.params.slowK), Number(t.params.slowD));
      checkWarmup(s.k, t.begIdx, 'slowK');
      checkWarmup(s.d, t.begIdx, 'slowD');
      for (const v of t.values) {
        expectClose(s.k[v.inputIndex!], v.slowK!, TOL, `slowK[${v.inputIndex}]`);
        expectClose(s.d[v.inputIndex!], v.slowD!, TOL, `slowD[${v.inputIndex}]`);
      }
    }
  });

  it('NATR(14) (Wilder ATR / close * 100)', () => {
    for (const t of talibTests('NATR')) {
      const out = natr(H, L, C, 14);
      checkWarmup(out, t.begIdx, 'NATR');
      for (const v of t.values) expectClose(out[v.inputIndex!], v.value!, TOL, `NATR[${v.inputIndex}]`);
    }
  });

  it('WILLR(14)', () => {
    for (const t of talibTests('WILLR')) {
      const out = willr(H, L, C, 14);
      checkWarmup(out, t.begIdx, 'WILLR');
      for (const v of t.values) expectClose(out[v.inputIndex!], v.value!, TOL, `WILLR[${v.inputIndex}]`);
    }
  });

  it('CCI(11)', () => {
    for (const t of talibTests('CCI')) {
      const out = cci(H, L, C, 11);
      checkWarmup(out, t.begIdx, 'CCI');
      for (const v of t.values) expectClose(out[v.inputIndex!], v.value!, TOL, `CCI[${v.inputIndex}]`);
    }
  });

  it('ULTOSC(7,14,28)', () => {
    for (const t of talibTests('ULTOSC')) {
      const out = ultosc(H, L, C, 7, 14, 28);
      checkWarmup(out, t.begIdx, 'ULTOSC');
      for (const v of t.values) expectClose(out[v.inputIndex!], v.value!, TOL, `ULTOSC[${v.inputIndex}]`);
    }
  });
});

describe('TA-Lib regression values embedded from TA-Lib sources (same 252-bar series)', () => {
  // TA-Lib/ta-lib src/tools/ta_regtest/ta_test_func/test_trange.c @ 2b4d8c7d0b7485e3aec378daaeb28a0e4dec9a4f
  // rows are [outIndex, value]; input bar = begIdx + outIndex.
  it('TRANGE (begIdx 1) and ATR(14) (begIdx 14, Wilder, seed = mean TR[1..14])', () => {
    const tr = trueRange(H, L, C);
    checkWarmup(tr, 1, 'TRANGE');
    for (const [o, v] of [[0, 3.535], [12, 9.685], [40, 5.125], [250, 2.88]] as const) expectClose(tr[1 + o], v, TOL, `TRANGE[${1 + o}]`);
    const a1 = atr(H, L, C, 1);
    for (const [o, v] of [[0, 3.535], [12, 9.685], [40, 5.125], [250, 2.88]] as const) expectClose(a1[1 + o], v, TOL, `ATR1[${1 + o}]`);
    const a = atr(H, L, C, 14);
    checkWarmup(a, 14, 'ATR14');
    const rows = [[0, 3.578], [1, 3.4876], [2, 3.55], [12, 3.245], [13, 3.394], [14, 3.413], [237, 3.26]] as const;
    for (const [o, v] of rows) expectClose(a[14 + o], v, TOL, `ATR14[${14 + o}]`);
  });

  // TA-Lib/ta-lib src/tools/ta_regtest/ta_test_func/test_adx.c @ e17c2a3f9b7eb7853befd3d3072249803cdc6a8e
  // (the non-rounded table; the integer-rounded legacy table is under #if 0 there).
  it('PLUS_DM/MINUS_DM (begIdx 13), PLUS_DI/MINUS_DI/DX (begIdx 14), ADX (begIdx 27), period 14', () => {
    const d = dmi(H, L, C, 14);
    checkWarmup(d.plusDM, 13, 'PLUS_DM');
    checkWarmup(d.minusDM, 13, 'MINUS_DM');
    checkWarmup(d.plusDI, 14, 'PLUS_DI');
    checkWarmup(d.minusDI, 14, 'MINUS_DI');
    checkWarmup(d.dx, 14, 'DX');
    checkWarmup(d.adx, 27, 'ADX');
    const check = (s: Float64Array, beg: number, rows: ReadonlyArray<readonly [number, number]>, label: string) => {
      for (const [o, v] of rows) expectClose(s[beg + o], v, TOL, `${label}[${beg + o}]`);
    };
    check(d.plusDM, 13, [[0, 10.28], [237, 10.317], [238, 9.58]], 'PLUS_DM');
    check(d.minusDM, 13, [[0, 12.995], [237, 8.33], [238, 9.672]], 'MINUS_DM');
    check(d.plusDI, 14, [[0, 20.3781], [13, 22.1073], [14, 20.3746], [237, 21.0]], 'PLUS_DI');
    check(d.minusDI, 14, [[0, 30.1684], [14, 24.969182], [237, 21.1988]], 'MINUS_DI');
    check(d.dx, 14, [[0, 19.3689], [1, 9.7131], [2, 17.2905], [236, 10.6731], [237, 0.4722]], 'DX');
    check(d.adx, 27, [[0, 23.0], [1, 22.0802], [223, 16.684], [224, 15.526]], 'ADX');
  });

  // TA-Lib/ta-lib src/tools/ta_regtest/ta_test_func/test_mfi.c @ 5a8727ff2c8283c0666139dec5eb25e4019a28bc
  // external oracles (Tulip Indicators 0.9.2 and pandas-ta-classic 0.6.52 agree to 1e-13);
  // rows are [period, outIndex, value]; begIdx = period. TA-Lib itself checks at 2e-12.
  it('MFI(2/14/30) matches the TA-Lib MFI oracle table to 1e-9', () => {
    const rows: ReadonlyArray<readonly [number, number, number]> = [
      [2, 0, 100], [2, 1, 53.489986681886073], [2, 2, 0], [2, 62, 100], [2, 125, 100], [2, 187, 40.157772208583658], [2, 248, 0], [2, 249, 0],
      [14, 0, 42.892339191984448], [14, 1, 45.607156851091489], [14, 2, 38.87879395159338], [14, 59, 35.632094488668137],
      [14, 119, 78.780045284268795], [14, 178, 26.565090844618716], [14, 236, 46.95018919963556], [14, 237, 53.199678850628629],
      [30, 0, 37.58090766368931], [30, 1, 37.250835604283047], [30, 2, 34.822199591052311], [30, 55, 64.949673296628035],
      [30, 111, 58.813945030830297], [30, 166, 35.614676987139099], [30, 220, 63.988299916573098], [30, 221, 65.129156440474773],
    ];
    for (const period of [2, 14, 30]) {
      const out = mfi(H, L, C, V, period);
      checkWarmup(out, period, `MFI${period}`);
      for (const [p, o, v] of rows) if (p === period) expectClose(out[period + o], v, 1e-9, `MFI${period}[${period + o}]`);
      // scale invariance (TA-Lib issue #244): volume x 2^-60 must give bit-identical output
      const scaled = mfi(H, L, C, V.map((x) => x * 2 ** -60), period);
      for (let t = 0; t < out.length; t++) expect(Object.is(scaled[t], out[t]), `MFI${period} scale-invariant at ${t}`).toBe(true);
    }
  });
});

// ------------------------------------------------------------------------- bukosabino / ta
describe('bukosabino/ta StockCharts CSVs', () => {
  it('cs-rsi.csv: ta-style RSI (ewm alpha=1/14 from 0) matches; Wilder RSI differs as documented', () => {
    const rows = readCsv('ta_bukosabino/cs-rsi.csv');
    const close = rows.map((r) => Number(r.Close));
    const ewm = rsi(close, 14, { mode: 'ewm' });
    let checked = 0;
    rows.forEach((r, i) => {
      const exp = num(r.RSI);
      if (exp === null) {
        expect(Number.isNaN(ewm[i]!), `ewm RSI[${i}] warm-up`).toBe(true);
        return;
      }
      expectClose(ewm[i], exp, TOL, `ewm RSI[${i}] ${r.Date}`);
      checked++;
    });
    expect(checked).toBe(19);
    // Documented difference: the canonical (TA-Lib/Wilder SMA-seeded) RSI gives 70.5328 vs the
    // file's 71.8621 on 05-Jan-10 (row 14) and 37.7730 vs 35.4893 on the last row.
    const wilder = rsi(close, 14);
    expectClose(wilder[14], 70.5328, 1e-3, 'Wilder RSI row 14');
    expectClose(wilder[rows.length - 1], 37.773, 1e-3, 'Wilder RSI last row');
    expect(Math.abs(wilder[14]! - num(rows[14]!.RSI)!)).toBeGreaterThan(1);
  });

  it('cs-macd.csv: ewm(adjust=False) EMAs seeded with the first close; MACD line; signal/diff on converged rows', () => {
    const rows = readCsv('ta_bukosabino/cs-macd.csv');
    const close = rows.map((r) => Number(r.Close));
    const fast = ema(close, 12, { seed: 'first' });
    const slow = ema(close, 26, { seed: 'first' });
    const m = macd(close, 12, 26, 9, { seed: 'first' });
    let checkedSignal = 0;
    rows.forEach((r, i) => {
      if (i >= 11) expectClose(fast[i], num(r.short_ema)!, TOL, `short_ema[${i}]`);
      else expect(Number.isNaN(fast[i]!)).toBe(true);
      if (i >= 25) {
        expectClose(slow[i], num(r.long_ema)!, TOL, `long_ema[${i}]`);
        expectClose(m.macd[i], num(r.MACD_line)!, TOL, `MACD_line[${i}]`);
      }
      // The sheet's early MACD_signal rows use an unrelated seed (README); from row 60 on the
      // seeding has decayed below 1e-4.
      if (i >= 60) {
        expectClose(m.signal[i], num(r.MACD_signal)!, TOL, `MACD_signal[${i}]`);
        expectClose(m.hist[i], num(r.MACD_diff)!, TOL, `MACD_diff[${i}]`);
        checkedSignal++;
      }
    });
    expect(checkedSignal).toBe(rows.length - 60);
    // the last row agrees to ~1e-9 (README: verified to 1e-10)
    const last = rows.length - 1;
    expectClose(fast[last], num(rows[last]!.short_ema)!, 1e-7, 'short_ema last');
    expectClose(m.macd[last], num(rows[last]!.MACD_line)!, 1e-7, 'MACD_line last');
  });

  it('cs-atr.csv: StockCharts seed (TR[0] = H-L, first ATR at row 13) matches; TA-Lib seed differs as documented', () => {
    const rows = readCsv('ta_bukosabino/cs-atr.csv');
    const h = rows.map((r) => Number(r.High));
    const l = rows.map((r) => Number(r.Low));
    const c = rows.map((r) => Number(r.Close));
    const tr = trueRange(h, l, c, { first: 'high-low' });
    const sc = atr(h, l, c, 14, { seed: 'stockcharts' });
    rows.forEach((r, i) => {
      expectClose(tr[i], Number(r.TR), 1e-9, `TR[${i}]`);
      if (i >= 13) expectClose(sc[i], Number(r.ATR), TOL, `ATR[${i}] ${r.Date}`);
      else expect(Number.isNaN(sc[i]!)).toBe(true);
    });
    expectClose(sc[13], 0.555, 1e-9, 'first StockCharts ATR');
    // Documented difference: canonical TA-Lib ATR starts one bar later, from TR[1..14] (the
    // technicalindicators fixture, same H/L/C rounded to 2 dp, checks that seed: 0.56786).
    const canonical = atr(h, l, c, 14);
    expect(Number.isNaN(canonical[13]!)).toBe(true);
    const meanTr1to14 = rows.slice(1, 15).reduce((s, r) => s + Number(r.TR), 0) / 14;
    expectClose(canonical[14], meanTr1to14, 1e-9, 'TA-Lib ATR row 14 = mean(TR[1..14])');
    expect(Math.abs(canonical[14]! - sc[14]!)).toBeGreaterThan(0.02);
  });

  it('cs-soo.csv: raw %K(14) = SO and SMA3(%K) = SO_SIG', () => {
    const rows = readCsv('ta_bukosabino/cs-soo.csv');
    const h = rows.map((r) => Number(r.High));
    const l = rows.map((r) => Number(r.Low));
    // Close is blank on the warm-up rows; those rows only feed HH/LL.
    const c = rows.map((r) => num(r.Close) ?? Number.NaN);
    const k = stochRawK(h, l, c, 14);
    const d = sma(k, 3);
    let nK = 0;
    let nD = 0;
    rows.forEach((r, i) => {
      const so = num(r.SO);
      const sig = num(r.SO_SIG);
      if (so !== null) {
        expectClose(k[i], so, TOL, `%K[${i}]`);
        nK++;
      }
      if (sig !== null) {
        expectClose(d[i], sig, TOL, `%D[${i}]`);
        nD++;
      }
    });
    expect(nK).toBe(17);
    expect(nD).toBe(14);
  });

  it('cs-obv.csv: TA-Lib OBV (obv[0] = volume[0], blank = 0) matches from the first change', () => {
    const rows = readCsv('ta_bukosabino/cs-obv.csv');
    const c = rows.map((r) => Number(r.Close));
    const v = rows.map((r) => num(r.Volume) ?? 0);
    const out = obv(c, v);
    expect(out[0]).toBe(0);
    rows.forEach((r, i) => {
      if (i >= 1) expectClose(out[i], Number(r.OBV), 1e-9, `OBV[${i}]`);
    });
  });
});

// -------------------------------------------------------------- technicalindicators (npm)
describe('technicalindicators fixtures.json', () => {
  const fx = JSON.parse(readFileSync(path.join(REF, 'technicalindicators_npm/fixtures.json'), 'utf8')) as {
    close: number[];
    tests: {
      SMA: { period: number; expected: number[] };
      EMA: { period: number; expected: number[] };
      BollingerBands: { period: number; stdDev: number; expected: Array<{ lower: number; middle: number; upper: number; pb: number }> };
      MACD: { fastPeriod: number; slowPeriod: number; signalPeriod: number; expected: Array<{ MACD: number; histogram: number | null; signal: number | null }> };
      RSI: { values: number[]; period: number; expected: number[] };
      ATR: { period: number; high: number[]; low: number[]; close: number[]; expected: number[] };
    };
  };
  const close = fx.close;

  it('SMA(10)', () => {
    const { period, expected } = fx.tests.SMA;
    const out = sma(close, period);
    expected.forEach((v, j) => expectClose(out[period - 1 + j], v, TOL, `SMA[${j}]`));
  });

  it('EMA(9) (SMA seed, same as TA-Lib)', () => {
    const { period, expected } = fx.tests.EMA;
    const out = ema(close, period);
    expected.forEach((v, j) => expectClose(out[period - 1 + j], v, TOL, `EMA[${j}]`));
  });

  it('BollingerBands(10, 2) (fixture rounded to ~4 significant digits); its %B is off by one bar (documented)', () => {
    const { period, stdDev, expected } = fx.tests.BollingerBands;
    const b = bbands(close, period, stdDev);
    const pb = bbPercentB(close, b);
    expected.forEach((e, j) => {
      const i = period - 1 + j;
      expectClose(b.upper[i], e.upper, printedTol(e.upper), `upper[${j}]`);
      expectClose(b.middle[i], e.middle, printedTol(e.middle), `middle[${j}]`);
      expectClose(b.lower[i], e.lower, printedTol(e.lower), `lower[${j}]`);
      // Documented difference: the library's pb pairs its (rounded) bands of bar i with the close
      // of bar i-1 (first pb 0.4291 = (close[8] - 124.1)/(154.7 - 124.1); with close[9] it would
      // be 0.8235). Our %B is the standard (close[i] - lower[i])/(upper[i] - lower[i]).
      const shifted = (close[i - 1]! - e.lower) / (e.upper - e.lower);
      expectClose(shifted, e.pb, printedTol(e.pb), `pb (previous close)[${j}]`);
      expectClose(pb[i], (close[i]! - b.lower[i]!) / (b.upper[i]! - b.lower[i]!), 1e-12, `%B[${j}]`);
    });
  });

  it('MACD(5,8,3): textbook EMAs seeded independently (MacdSeed "independent")', () => {
    const { fastPeriod, slowPeriod, signalPeriod, expected } = fx.tests.MACD;
    const m = macd(close, fastPeriod, slowPeriod, signalPeriod, { seed: 'independent' });
    expected.forEach((e, j) => {
      const i = slowPeriod - 1 + j;
      expectClose(m.macd[i], e.MACD, TOL, `MACD[${j}]`);
      if (e.signal === null) expect(Number.isNaN(m.signal[i]!)).toBe(true);
      else expectClose(m.signal[i], e.signal, TOL, `signal[${j}]`);
      if (e.histogram === null) expect(Number.isNaN(m.hist[i]!)).toBe(true);
      else expectClose(m.hist[i], e.histogram, TOL, `hist[${j}]`);
    });
  });

  it('ATR(14) (same seed as TA-Lib: TR from bar 1, first ATR = mean TR[1..14])', () => {
    const { period, high, low, close: c, expected } = fx.tests.ATR;
    const out = atr(high, low, c, period);
    expected.forEach((v, j) => expectClose(out[period + j], v, 1e-5 + 1e-9, `ATR[${j}]`));
  });

  it('RSI(14): the fixture is library-specific; canonical Wilder RSI matches the test file\'s commented-out Wilder values', () => {
    const { values, period, expected } = fx.tests.RSI;
    const out = rsi(values, period);
    // test/oscillators/RSI.js carries '//86.39,86.41,89.65,86.47,84.93,80.52,77.50,58.00' = Wilder.
    const wilderAlternative = [86.39, 86.41, 89.65, 86.47, 84.93, 80.52, 77.5, 58.0];
    wilderAlternative.forEach((v, j) => expectClose(out[period + j], v, TOL, `Wilder RSI[${j}]`));
    // Documented difference: the active fixture deviates by up to ~0.06. It is reproduced (7 of 8
    // values exactly) by Wilder's recursion with the running average gain/loss rounded to 2
    // decimals at every step, i.e. the library's output formatting leaking into its state.
    const dev = expected.map((v, j) => Math.abs(out[period + j]! - v));
    expect(Math.max(...dev)).toBeGreaterThan(TOL);
    expect(Math.max(...dev)).toBeLessThan(0.07);
    const r2 = (v: number) => Number(v.toFixed(2));
    let g = 0;
    let l = 0;
    for (let i = 1; i <= period; i++) {
      const d = values[i]! - values[i - 1]!;
      if (d > 0) g += d;
      else l -= d;
    }
    g = r2(g / period);
    l = r2(l / period);
    const rounded: number[] = [];
    for (let t = period; t < values.length; t++) {
      if (t > period) {
        const d = values[t]! - values[t - 1]!;
        g = r2((g * (period - 1) + Math.max(d, 0)) / period);
        l = r2((l * (period - 1) + Math.max(-d, 0)) / period);
      }
      rounded.push(r2(100 - 100 / (1 + g / l)));
    }
    const exact = rounded.filter((v, j) => Math.abs(v - expected[j]!) < 1e-9).length;
    expect(exact).toBeGreaterThanOrEqual(7);
  });
});
