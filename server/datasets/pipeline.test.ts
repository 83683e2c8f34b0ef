// The training-row rules on crafted series, without a database: labels against a hand computation,
// purging and embargo row by row, the gap rule on the NYSE calendar, and streaming (any cut into
// batches gives the same rows).
import { describe, expect, it } from 'vitest';
import { expectedBarStarts, getSession, nyWallTimeToUtcMs, sessionsBetween } from '../ingestion/calendar';
import type { Timeframe } from '../market-data/schema';
import { GapDetector } from './horizon-gaps';
import { DatasetCounter, SeriesLabeller, type RowBatch, type SeriesColumns } from './pipeline';
import { DIRECTIONS, SPLITS, type DatasetDefinition } from './schema';

/** Daily bar starts (midnight New York) of the sessions from `first` on. */
const dailyStarts = (first: string, count: number) =>
  sessionsBetween(first, '2026-12-31')
    .slice(0, count)
    .map((s) => expectedBarStarts(s, '1d')[0]!.getTime());

function definition(overrides: Partial<DatasetDefinition> & { timestamps: number[] }): DatasetDefinition {
  const { timestamps, ...rest } = overrides;
  const end = timestamps.at(-1)! + 1;
  return {
    ticker: ['TEST'],
    timeframe: '1d',
    from: new Date(timestamps[0]!),
    to: new Date(end),
    features: ['rsi_14'],
    label: 'return',
    horizon: 1,
    neutralBand: 0.001,
    split: [new Date(end), new Date(end)], // everything train unless a test says otherwise
    ...rest,
  };
}

interface Row {
  ms: number;
  feature: number;
  forwardReturn: number;
  direction: string;
  split: string;
}

/** Runs one series through the labeller, cut into batches of `batchSize` bars. */
function run(def: DatasetDefinition, timestamps: number[], closes: number[], batchSize = timestamps.length) {
  const counter = new DatasetCounter();
  const labeller = new SeriesLabeller('TEST', def, counter, new GapDetector(def.timeframe as Timeframe));
  const batches: RowBatch[] = [];
  for (let start = 0; start < timestamps.length; start += batchSize) {
    const end = Math.min(timestamps.length, start + batchSize);
    const columns: SeriesColumns = {
      length: end - start,
      timestamp: Float64Array.from(timestamps.slice(start, end)),
      close: Float64Array.from(closes.slice(start, end)),
      // The feature is the bar's index, so each row shows which bar it came from.
      features: [Float64Array.from({ length: end - start }, (_, i) => start + i)],
    };
    batches.push(labeller.push(columns));
  }
  labeller.finish();
  const rows: Row[] = batches.flatMap((b) =>
    Array.from({ length: b.length }, (_, r) => ({
      ms: b.timestamp[r]!,
      feature: b.features[0]![r]!,
      forwardReturn: b.forwardReturn[r]!,
      direction: DIRECTIONS[b.direction[r]!]!,
      split: SPLITS[b.split[r]!]!,
    })),
  );
  return { rows, counts: counter.result() };
}

describe('labels', () => {
  const timestamps = dailyStarts('2025-03-03', 7);
  const closes = [100, 101, 100.5, 100.5, 100.55, 100.4, 90];

  it('return: close[t + horizon] / close[t] - 1, by hand', () => {
    const { rows, counts } = run(definition({ timestamps }), timestamps, closes);
    expect(rows.map((r) => r.feature)).toEqual([0, 1, 2, 3, 4, 5]);
    const byHand = [0.01, -0.0049504950495, 0, 0.00049751243781, -0.0014917951268, -0.10358565737051];
    rows.forEach((r, i) => expect(r.forwardReturn).toBeCloseTo(byHand[i]!, 12));
    expect(counts.dropped.noHorizon).toBe(1); // the last bar has no next bar
    expect(counts.rows).toEqual({ train: 6, validation: 0, test: 0 });
  });

  it('direction: UP above the band, DOWN below minus the band, NEUTRAL inside it (edges included)', () => {
    const { rows } = run(definition({ timestamps, label: 'direction' }), timestamps, closes);
    // +1 %, -0.495 %, 0, +0.0498 % (inside 0.1 %), -0.149 %, -10.4 %
    expect(rows.map((r) => r.direction)).toEqual(['UP', 'DOWN', 'NEUTRAL', 'NEUTRAL', 'DOWN', 'DOWN']);
    // A band of 0.5 %: -0.495 % and -0.149 % become NEUTRAL; exactly +-band is NEUTRAL too.
    const wide = run(definition({ timestamps, label: 'direction', neutralBand: 0.005 }), timestamps, closes);
    expect(wide.rows.map((r) => r.direction)).toEqual(['UP', 'NEUTRAL', 'NEUTRAL', 'NEUTRAL', 'NEUTRAL', 'DOWN']);
    const edge = run(definition({ timestamps: timestamps.slice(0, 3), label: 'direction', neutralBand: 0.5 }), timestamps.slice(0, 3), [2, 3, 1.5]);
    expect(edge.rows.map((r) => [r.forwardReturn, r.direction])).toEqual([
      [0.5, 'NEUTRAL'],
      [-0.5, 'NEUTRAL'],
    ]);
  });

  it('horizon 3 uses the third bar after t and nothing before it', () => {
    const { rows, counts } = run(definition({ timestamps, horizon: 3 }), timestamps, closes);
    expect(rows.map((r) => r.forwardReturn)).toEqual([100.5 / 100 - 1, 100.55 / 101 - 1, 100.4 / 100.5 - 1, 90 / 100.5 - 1]);
    expect(counts.dropped.noHorizon).toBe(3);
  });
});

describe('purge and embargo at split boundaries', () => {
  // 20 sessions; validation from session 10, test from session 15; horizon 2.
  const timestamps = dailyStarts('2025-03-03', 20);
  const closes = timestamps.map((_, i) => 100 + i);
  const def = definition({ timestamps, horizon: 2, split: [new Date(timestamps[10]!), new Date(timestamps[15]!)] });

  it('removes exactly the rows whose label window crosses a boundary, and the first horizon rows after it', () => {
    const { rows, counts } = run(def, timestamps, closes);
    // Bars 8, 9 label with bars 10, 11 (validation); 13, 14 with 15, 16 (test): purged.
    // Bars 10, 11 and 15, 16 are the first two after a boundary: embargoed. Bars 18, 19: no bar + 2.
    const kept = rows.map((r) => r.feature);
    expect(kept).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 12, 17]);
    expect(rows.map((r) => r.split)).toEqual([...Array(8).fill('train'), 'validation', 'test']);
    expect(counts.dropped).toEqual({ noHorizon: 2, gap: 0, purged: 4, embargoed: 4 });
    expect(counts.rows).toEqual({ train: 8, validation: 1, test: 1 });
    expect(counts.bars).toBe(20);
    expect(counts.ranges.validation).toEqual({ first: new Date(timestamps[12]!).toISOString(), last: new Date(timestamps[12]!).toISOString() });
    // Every kept row's label window stays inside its split.
    for (const r of rows) {
      const t = timestamps.indexOf(r.ms);
      const splitOf = (ms: number) => (ms < timestamps[10]! ? 'train' : ms < timestamps[15]! ? 'validation' : 'test');
      expect(splitOf(timestamps[t + 2]!)).toBe(r.split);
    }
  });

  it('a boundary between bars (not on one) purges and embargoes the same way', () => {
    const between = definition({ timestamps, horizon: 1, split: [new Date(timestamps[10]! - 3_600_000), new Date(timestamps[15]! - 3_600_000)] });
    const { rows, counts } = run(between, timestamps, closes);
    expect(rows.map((r) => r.feature)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 16, 17, 18]);
    expect(counts.dropped).toEqual({ noHorizon: 1, gap: 0, purged: 2, embargoed: 2 });
  });

  it('gives the same rows however the series is cut into batches', () => {
    const whole = run(def, timestamps, closes);
    for (const size of [1, 2, 3, 7, 19]) expect(run(def, timestamps, closes, size)).toEqual(whole);
  });
});

describe('gaps (NYSE calendar)', () => {
  it('daily: a missing session is a gap; weekends and holidays are not', () => {
    // 2025-04-14 .. 2025-04-25: Good Friday (04-18) is a holiday; drop the session of 04-22.
    const all = dailyStarts('2025-04-14', 9);
    const missing = all.filter((ms) => ms !== getSessionStart('2025-04-22'));
    const { rows, counts } = run(definition({ timestamps: missing }), missing, missing.map(() => 100));
    // Bar 04-21 labels with 04-23: its window crosses the missing 04-22 (the only gap).
    expect(counts.dropped).toEqual({ noHorizon: 1, gap: 1, purged: 0, embargoed: 0 });
    expect(rows.map((r) => new Date(r.ms).toISOString().slice(0, 10))).toEqual(['2025-04-14', '2025-04-15', '2025-04-16', '2025-04-17', '2025-04-23', '2025-04-24']);
  });

  it('minutes: up to 15 minutes without trades is no gap, a longer hole is; nights are not', () => {
    const day1 = minutesOf('2025-03-03');
    const day2 = minutesOf('2025-03-04');
    // Day 1: a 15-minute hole after 10:00 (bars 10:01-10:15 missing: allowed) and a 16-minute hole after 11:00.
    const hole = (from: string, minutes: number) => {
      const start = nyWallTimeToUtcMs('2025-03-03', from);
      return (ms: number) => ms > start && ms <= start + minutes * 60_000;
    };
    const short = hole('10:00', 15);
    const long = hole('11:00', 16);
    const timestamps = [...day1.filter((ms) => !short(ms) && !long(ms)), ...day2.slice(0, 30)];
    const { rows, counts } = run(definition({ timestamps, timeframe: '1m', horizon: 1 }), timestamps, timestamps.map(() => 100));
    expect(counts.dropped.gap).toBe(1); // only the 11:00 bar, whose next bar is 11:17
    expect(rows.some((r) => r.ms === nyWallTimeToUtcMs('2025-03-03', '11:00'))).toBe(false);
    expect(rows.some((r) => r.ms === nyWallTimeToUtcMs('2025-03-03', '10:00'))).toBe(true);
    expect(rows.some((r) => r.ms === nyWallTimeToUtcMs('2025-03-03', '15:59'))).toBe(true); // labels with the next morning's 09:30
  });

  it('minutes: a session without bars is a gap', () => {
    const timestamps = [...minutesOf('2025-03-03').slice(-5), ...minutesOf('2025-03-05').slice(0, 5)];
    const { counts } = run(definition({ timestamps, timeframe: '1m', horizon: 1 }), timestamps, timestamps.map(() => 100));
    expect(counts.dropped.gap).toBe(1);
  });
});

function getSessionStart(date: string): number {
  return expectedBarStarts(getSession(date)!, '1d')[0]!.getTime();
}

function minutesOf(date: string): number[] {
  return expectedBarStarts(getSession(date)!, '1m').map((d) => d.getTime());
}
