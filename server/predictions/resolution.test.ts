// Exact outcome resolution on crafted bars (issue 12, "Tests that must exist" 1). Calendar facts
// used: 2025-07-02 (Wed) full session, 2025-07-03 (Thu) half day closing 13:00 ET, 2025-07-04
// (Fri) Independence Day, then a weekend. New York is UTC-4 (EDT). Regular-session 1h bars start
// 09:00..15:00 ET (09:00..12:00 on the half day, the last one ending at the 13:00 close).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nyWallTimeToUtc } from '../ingestion/calendar';
import type { Timeframe } from '../market-data/schema';
import { createTestCallers, type TestCallers } from '../testing/caller';
import { resolveDuePredictions } from './resolver';

let t: TestCallers;
let modelId: string;
let wideBandModelId: string;

const et = (date: string, time: string) => nyWallTimeToUtc(date, time);

beforeAll(async () => {
  t = await createTestCallers();
  const admin = t.as(['admin']);
  ({
    model: { id: modelId },
  } = await admin.models.register({ name: 'resolution-test', version: '1.0.0', algorithm: 'x', ticker: 'SPY' }));
  ({
    model: { id: wideBandModelId },
  } = await admin.models.register({ name: 'resolution-wide-band', version: '1.0.0', algorithm: 'x-wide-band', ticker: 'SPY', neutralBand: 0.01 }));
});
afterAll(() => t.db.drop());
beforeEach(() => t.db.pool.query('TRUNCATE predictions, market_data, events'));

/** Bars of SPY `timeframe`, one per [start, close] (o = h = l = c). */
function bars(timeframe: Timeframe, closes: Array<[Date, number]>) {
  return t.services.marketData.upsertBars(
    closes.map(([timestamp, close]) => ({ ticker: 'SPY', timeframe, timestamp, open: close, high: close, low: close, close, volume: 100 })),
  );
}

/** The 1h bars of a session date from `closes` (09:00, 10:00, ... ET); null leaves that hour out. */
const hourBars = (date: string, closes: Array<number | null>) =>
  bars(
    '1h',
    closes.flatMap((close, i) => (close === null ? [] : [[et(date, `${String(9 + i).padStart(2, '0')}:00`), close] as [Date, number]])),
  );

async function predict(p: {
  predictionTime: Date;
  targetTime: Date;
  direction?: 'UP' | 'DOWN' | 'NEUTRAL';
  basePrice?: number;
  model?: string;
  timeframe?: Timeframe;
}) {
  const { prediction } = await t.services.predictions.create({
    modelId: p.model ?? modelId,
    ticker: 'SPY',
    timeframe: p.timeframe ?? '1h',
    predictionTime: p.predictionTime,
    targetTime: p.targetTime,
    direction: p.direction ?? 'UP',
    confidence: 0.6,
    basePrice: p.basePrice,
  });
  return prediction.id;
}

async function stored(id: string) {
  const { rows } = await t.db.pool.query(
    `SELECT resolution_status AS status, reference_price AS "referencePrice", actual_price AS "actualPrice",
            actual_change AS "actualChange", actual_direction AS "actualDirection", correct,
            reference_bar_time AS "referenceBarTime", outcome_bar_time AS "outcomeBarTime",
            base_price AS "basePrice", base_price_mismatch AS "basePriceMismatch", unresolvable_reason AS reason,
            resolved_at AS "resolvedAt"
     FROM predictions WHERE id = $1`,
    [id],
  );
  return rows[0];
}

const resolveAt = (now: Date) => t.services.predictions.resolve({ now });
const deps = () => ({ predictions: t.services.predictions, metrics: t.services.systemMetrics });

describe('outcome resolution', () => {
  it('resolves UP, DOWN and NEUTRAL from the reference and outcome closes, with the model neutral band', async () => {
    // 2025-07-02 closes 09:00..15:00 ET: 100, 100, 101, 100, 100.5, 100, 100
    await hourBars('2025-07-02', [100, 100, 101, 100, 100.5, 100, 100]);
    // 11:00 -> 12:00 ET: reference = the 10:00 bar (ends 11:00, close 100), outcome = the 11:00 bar (101): +1 % UP.
    const up = await predict({ predictionTime: et('2025-07-02', '11:00'), targetTime: et('2025-07-02', '12:00') });
    // 12:00 -> 13:00: 101 -> 100, -0.990 % DOWN; predicted UP, so wrong.
    const down = await predict({ predictionTime: et('2025-07-02', '12:00'), targetTime: et('2025-07-02', '13:00') });
    // 13:00 -> 14:00: 100 -> 100.5, +0.5 %: UP for the default band (0.01 %), NEUTRAL within a 1 % band.
    const narrow = await predict({ predictionTime: et('2025-07-02', '13:00'), targetTime: et('2025-07-02', '14:00'), direction: 'NEUTRAL' });
    const wide = await predict({
      predictionTime: et('2025-07-02', '13:00'),
      targetTime: et('2025-07-02', '14:00'),
      direction: 'NEUTRAL',
      model: wideBandModelId,
    });

    expect(await resolveAt(et('2025-07-02', '14:05'))).toBe(4);
    expect(await stored(up)).toMatchObject({
      status: 'RESOLVED',
      referencePrice: 100,
      actualPrice: 101,
      actualChange: 0.01,
      actualDirection: 'UP',
      correct: true,
      referenceBarTime: et('2025-07-02', '10:00'),
      outcomeBarTime: et('2025-07-02', '11:00'),
    });
    expect(await stored(down)).toMatchObject({ referencePrice: 101, actualPrice: 100, actualDirection: 'DOWN', correct: false });
    expect((await stored(down)).actualChange).toBeCloseTo(-1 / 101, 12);
    expect(await stored(narrow)).toMatchObject({ actualChange: 0.005, actualDirection: 'UP', correct: false });
    expect(await stored(wide)).toMatchObject({ actualChange: 0.005, actualDirection: 'NEUTRAL', correct: true });

    // Idempotent: a second pass changes nothing.
    expect(await resolveAt(et('2025-07-02', '14:10'))).toBe(0);

    // Every model object carries its live figures: 1 right of 3 here, 1 of 1 for the wide band.
    const reader = t.as(['predictions:read']);
    expect((await reader.models.get({ id: modelId })).model).toMatchObject({ liveAccuracy: 1 / 3, liveCount: 3 });
    // latest lists only predictions whose target is ahead: one open call per model.
    const ahead = { predictionTime: new Date(Date.now() - 3_600_000), targetTime: new Date(Date.now() + 3_600_000) };
    await predict(ahead);
    await predict({ ...ahead, model: wideBandModelId });
    const { predictions } = await reader.predictions.latest({ ticker: 'SPY', timeframe: '1h' });
    expect(predictions.map((p) => [p.model.name, p.model.liveAccuracy, p.model.liveCount])).toEqual([
      ['resolution-test', 1 / 3, 3],
      ['resolution-wide-band', 1, 1],
    ]);
  });

  it('keeps a prediction whose target bar is missing pending, then resolves it with that bar once it arrives', async () => {
    // 12:00 and 13:00 stored, the 14:00 bar (the outcome bar of a 15:00 target) not yet.
    await hourBars('2025-07-02', [100, 100, 100, 100, 102, null]);
    const id = await predict({ predictionTime: et('2025-07-02', '13:00'), targetTime: et('2025-07-02', '15:00'), basePrice: 100 });
    expect(await resolveAt(et('2025-07-02', '15:30'))).toBe(0);
    expect(await stored(id)).toMatchObject({ status: 'PENDING', actualPrice: null, resolvedAt: null });

    await bars('1h', [[et('2025-07-02', '14:00'), 99]]);
    expect(await resolveAt(et('2025-07-02', '15:31'))).toBe(1);
    // reference = 12:00 bar (ends 13:00, close 100); outcome = 14:00 bar (ends 15:00, close 99), not the earlier 102.
    expect(await stored(id)).toMatchObject({ status: 'RESOLVED', referencePrice: 100, actualPrice: 99, actualDirection: 'DOWN', correct: false });
  });

  it('waits while a bar between the reference and the outcome is missing, and marks UNRESOLVABLE after the grace period', async () => {
    await hourBars('2025-07-02', [100, 100, 100, null, 100, 101, 102]);
    const id = await predict({ predictionTime: et('2025-07-02', '12:00'), targetTime: et('2025-07-02', '16:00') });
    expect(await resolveAt(et('2025-07-02', '18:00'))).toBe(0);
    expect((await stored(id)).status).toBe('PENDING');
    // The default grace is 48 h after targetTime.
    expect(await resolveAt(new Date(et('2025-07-02', '16:00').getTime() + 47 * 3_600_000))).toBe(0);
    expect(await resolveAt(new Date(et('2025-07-02', '16:00').getTime() + 48 * 3_600_000))).toBe(1);
    expect(await stored(id)).toMatchObject({
      status: 'UNRESOLVABLE',
      reason: `1 of 5 expected 1h bars missing, first at ${et('2025-07-02', '12:00').toISOString()}`,
      actualPrice: null,
      correct: null,
      resolvedAt: null,
    });
  });

  it('resolves a target after a half day close to the 13:00 close, and a holiday target to the last session close before it', async () => {
    await hourBars('2025-07-03', [200, 201, 202, 203]);
    // Half day: 11:00 -> 15:00 ET: reference 10:00 bar (201), outcome the 12:00 bar ending at the 13:00 close (203).
    const halfDay = await predict({ predictionTime: et('2025-07-03', '11:00'), targetTime: et('2025-07-03', '15:00') });
    // Holiday: 12:00 on 07-03 -> noon on 07-04: reference 11:00 bar (202), outcome again the 12:00 bar (203).
    const holiday = await predict({ predictionTime: et('2025-07-03', '12:00'), targetTime: et('2025-07-04', '12:00') });
    expect(await resolveAt(et('2025-07-04', '13:00'))).toBe(2);
    expect(await stored(halfDay)).toMatchObject({ referencePrice: 201, actualPrice: 203, outcomeBarTime: et('2025-07-03', '12:00'), actualDirection: 'UP' });
    expect(await stored(holiday)).toMatchObject({ referencePrice: 202, actualPrice: 203, outcomeBarTime: et('2025-07-03', '12:00') });
  });

  it('resolves a weekend target of a daily model to the last session close before it', async () => {
    // Daily bars are stamped at midnight ET of their session; 07-04 is a holiday, so none.
    await bars('1d', [
      [et('2025-07-01', '00:00'), 300],
      [et('2025-07-02', '00:00'), 310],
      [et('2025-07-03', '00:00'), 305],
    ]);
    // Made after the 07-02 close, for Sunday 07-06: 310 (07-02) -> 305 (07-03 half-day close), -1.61 % DOWN.
    const id = await predict({ predictionTime: et('2025-07-02', '18:00'), targetTime: et('2025-07-06', '12:00'), direction: 'DOWN', timeframe: '1d' });
    expect(await resolveAt(et('2025-07-06', '13:00'))).toBe(1);
    expect(await stored(id)).toMatchObject({
      referencePrice: 310,
      actualPrice: 305,
      referenceBarTime: et('2025-07-02', '00:00'),
      outcomeBarTime: et('2025-07-03', '00:00'),
      actualDirection: 'DOWN',
      correct: true,
    });
  });

  it('re-resolves the predictions that used a bar once that bar is corrected', async () => {
    await hourBars('2025-07-02', [100, 100, 101]);
    const id = await predict({ predictionTime: et('2025-07-02', '11:00'), targetTime: et('2025-07-02', '12:00') });
    await resolveAt(et('2025-07-02', '12:05'));
    expect(await stored(id)).toMatchObject({ actualPrice: 101, correct: true });

    await bars('1h', [[et('2025-07-02', '11:00'), 99.5]]);
    expect(await resolveAt(et('2025-07-02', '12:10'))).toBe(1);
    expect(await stored(id)).toMatchObject({ status: 'RESOLVED', actualPrice: 99.5, actualChange: -0.005, actualDirection: 'DOWN', correct: false });
    expect(await resolveAt(et('2025-07-02', '12:15'))).toBe(0);

    const { rows } = await t.db.pool.query(`SELECT name, ticker, timeframe, payload FROM events WHERE topic = 'prediction' ORDER BY id`);
    expect(rows).toEqual([
      { name: 'prediction.created', ticker: 'SPY', timeframe: '1h', payload: expect.objectContaining({ modelId, count: 1, ids: [id] }) },
      {
        name: 'prediction.resolved',
        ticker: 'SPY',
        timeframe: '1h',
        payload: { modelId, count: 1, resolved: 1, correct: 1, unresolvable: 0, corrected: 0, ids: [id] },
      },
      {
        name: 'prediction.resolved',
        ticker: 'SPY',
        timeframe: '1h',
        payload: { modelId, count: 1, resolved: 1, correct: 0, unresolvable: 0, corrected: 1, ids: [id] },
      },
    ]);
  });

  it('re-checks corrections older than the 30-day look-back only from the earliest bar an ingestion write changed', async () => {
    await hourBars('2025-07-02', [100, 100, 101]);
    const id = await predict({ predictionTime: et('2025-07-02', '11:00'), targetTime: et('2025-07-02', '12:00') });
    await resolveAt(et('2025-07-02', '12:05'));
    await bars('1h', [[et('2025-07-02', '11:00'), 99]]);
    const later = et('2025-09-02', '12:00'); // 62 days on
    expect(await resolveAt(later)).toBe(0);
    expect((await stored(id)).actualPrice).toBe(101);
    // What the predictions-resolve job does when ingestion wrote bars from 11:00 on 07-02.
    expect(await resolveDuePredictions(deps(), { now: later, barsChangedSince: et('2025-07-02', '11:00') })).toBe(1);
    expect(await stored(id)).toMatchObject({ actualPrice: 99, actualDirection: 'DOWN', correct: false });
  });

  it('needs no basePrice, keeps a sent one as sent and flags it when it disagrees with the bars', async () => {
    await hourBars('2025-07-02', [100, 100, 101]);
    const none = await predict({ predictionTime: et('2025-07-02', '11:00'), targetTime: et('2025-07-02', '12:00') });
    // Reference close 100: 100.005 is 0.5 bp off (agrees), 100.5 is 50 bp off (flagged).
    const agrees = await predict({
      predictionTime: et('2025-07-02', '11:00'),
      targetTime: et('2025-07-02', '12:00'),
      basePrice: 100.005,
      model: wideBandModelId,
    });
    expect(await resolveAt(et('2025-07-02', '12:05'))).toBe(2);
    expect(await stored(none)).toMatchObject({ status: 'RESOLVED', basePrice: null, basePriceMismatch: null, actualChange: 0.01 });
    expect(await stored(agrees)).toMatchObject({ basePrice: 100.005, basePriceMismatch: false, actualChange: 0.01 });

    await t.db.pool.query('TRUNCATE predictions');
    const disagrees = await predict({ predictionTime: et('2025-07-02', '11:00'), targetTime: et('2025-07-02', '12:00'), basePrice: 100.5 });
    await resolveAt(et('2025-07-02', '12:05'));
    // The outcome is measured from the bars (100 -> 101), not from the client's 100.5.
    expect(await stored(disagrees)).toMatchObject({ basePrice: 100.5, basePriceMismatch: true, referencePrice: 100, actualChange: 0.01 });
  });
});
