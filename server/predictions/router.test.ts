import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bar } from '../market-data/schema';
import { createTestCallers, type TestCallers } from '../testing/caller';
import type { NewPredictionInput } from './schema';

let t: TestCallers;
const reader = () => t.as(['predictions:read']);
const writer = () => t.as(['predictions:write']);

const HOUR = 3_600_000;
// In the future, so a resolution pass at the real time finds nothing due; resolved below at RESOLVE_NOW.
const DAY1 = Date.UTC(2027, 2, 1, 15, 0); // Monday 2027-03-01, 10:00 New York (EST)
const DAY2 = DAY1 + 24 * HOUR;
const DAY3 = DAY1 + 48 * HOUR;
const at = (day: number, hour: number) => new Date(day + hour * HOUR);

type Move = 'UP' | 'DOWN' | 'FLAT';
const STEP: Record<Move, number> = { UP: 1, DOWN: -1, FLAT: 0 };

/** A 1h SPY bar starting at `time`. */
function bar(time: Date, close: number): Bar {
  return { ticker: 'SPY', timeframe: '1h', timestamp: time, open: close, high: close + 0.5, low: close - 0.5, close, volume: 1000 };
}

function prediction(modelId: string, time: Date, direction: 'UP' | 'DOWN' | 'NEUTRAL', confidence: number, ticker = 'SPY'): NewPredictionInput {
  return {
    modelId,
    ticker,
    timeframe: '1h',
    predictionTime: time,
    targetTime: new Date(time.getTime() + HOUR),
    direction,
    confidence,
    basePrice: 100,
  };
}

/**
 * Model A's known record (SPY 1h): the hand computation the accuracy tests check against.
 * [slot time, actual move, predicted direction, confidence, correct?]
 */
const A_RECORD: Array<[Date, Move, 'UP' | 'DOWN' | 'NEUTRAL', number, boolean]> = [
  [at(DAY1, 0), 'UP', 'UP', 0.55, true],
  [at(DAY1, 1), 'UP', 'DOWN', 0.62, false],
  [at(DAY1, 2), 'DOWN', 'DOWN', 0.71, true],
  [at(DAY1, 3), 'DOWN', 'UP', 0.68, false],
  [at(DAY1, 4), 'UP', 'UP', 0.93, true],
  [at(DAY2, 0), 'FLAT', 'UP', 0.61, false],
  [at(DAY2, 1), 'UP', 'UP', 0.77, true],
  [at(DAY2, 2), 'DOWN', 'DOWN', 0.79, true],
  [at(DAY2, 3), 'DOWN', 'NEUTRAL', 0.5, false],
  [at(DAY2, 4), 'DOWN', 'UP', 0.3, false],
];
/**
 * The bars A_RECORD resolves on: per day the 09:00 bar (the reference of the 10:00 call) closes at
 * 100, and each later one moves by the call's move (+1, -1, 0). A call made at h resolves from the
 * bar ending at h (close before) to the bar starting at h (close after).
 */
const A_CLOSES = A_RECORD.map(([time, move], i) => {
  const before = i % 5 === 0 ? 100 : 100 + A_RECORD.slice(i - (i % 5), i).reduce((sum, r) => sum + STEP[r[1]], 0);
  return { time, before, after: before + STEP[move] };
});
// Two more, made on day 3 where no bar exists yet: they stay pending.
const A_PENDING: Array<[Date, number]> = [
  [at(DAY3, 0), 0.6],
  [at(DAY3, 1), 0.8],
];

const models: Record<'a' | 'b' | 'd' | 'generic', string> = { a: '', b: '', d: '', generic: '' };

async function register(name: string, accuracy: number, series: { ticker: string | null; timeframe: '1h' | null } = { ticker: 'SPY', timeframe: '1h' }) {
  const { model } = await t.as(['models:write']).models.register({ name, version: '1.0.0', algorithm: name === 'alpha' ? 'gbm' : `gbm-${name}`, accuracy, ...series });
  return model.id;
}

beforeAll(async () => {
  t = await createTestCallers();
  models.a = await register('alpha', 0.7);
  models.b = await register('beta', 0.6);
  models.d = await register('delta', 0.9);
  models.generic = await register('generic', 0.8, { ticker: null, timeframe: null });
  await t.as(['models:write']).models.deploy({ modelId: models.a });

  await t.services.marketData.upsertBars(
    A_CLOSES.flatMap(({ time, before, after }, i) => [...(i % 5 === 0 ? [bar(at(time.getTime(), -1), before)] : []), bar(time, after)]),
  );
  await writer().predictions.createBatch({
    predictions: [
      ...A_RECORD.map(([time, , direction, confidence]) => prediction(models.a, time, direction, confidence)),
      ...A_PENDING.map(([time, confidence]) => prediction(models.a, time, 'UP', confidence)),
      prediction(models.b, at(DAY3, 2), 'UP', 0.9), // newest of all, but beta's accuracy is 0.6
      prediction(models.d, at(DAY1, 0), 'UP', 0.99), // delta's older call: not its latest
      prediction(models.d, at(DAY3, -1), 'DOWN', 0.75), // delta's latest: not above 0.75
      prediction(models.generic, at(DAY3, 3), 'UP', 0.95, 'QQQ'), // another series
    ],
  });
});
afterAll(() => t.db.drop());

describe('latest', () => {
  it("has the plan's shape: { success, count, predictions, timestamp }, each with model { name, algorithm, accuracy, version }", async () => {
    const body = await reader().predictions.latest({ ticker: 'spy', timeframe: '1h' });
    expect(Object.keys(body).sort()).toEqual(['count', 'predictions', 'success', 'timestamp']);
    expect(body.success).toBe(true);
    expect(body.count).toBe(3);
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
    const first = body.predictions[0]!;
    expect(first.model).toEqual({ name: 'alpha', algorithm: 'gbm', accuracy: 0.7, version: '1.0.0', liveAccuracy: null, liveCount: 0 });
    expect(first).toMatchObject({
      ticker: 'SPY',
      timeframe: '1h',
      predictionTime: at(DAY3, 1).toISOString(),
      targetTime: at(DAY3, 2).toISOString(),
      direction: 'UP',
      confidence: 0.8,
      probability: null,
      predictedPrice: null,
      predictedChange: null,
      actualDirection: null,
      actualPrice: null,
      actualChange: null,
      correct: null,
      modelVersion: '1.0.0',
      modelOutput: null,
    });
    expect(typeof first.id).toBe('string');
  });

  it("gives each model's newest call for the series, active model first, then newest", async () => {
    const { predictions } = await reader().predictions.latest({ ticker: 'SPY', timeframe: '1h' });
    expect(predictions.map((p) => [p.model.name, p.predictionTime])).toEqual([
      ['alpha', at(DAY3, 1).toISOString()],
      ['beta', at(DAY3, 2).toISOString()],
      ['delta', at(DAY3, -1).toISOString()],
    ]);
    const limited = await reader().predictions.latest({ ticker: 'SPY', timeframe: '1h', limit: 1 });
    expect(limited.predictions.map((p) => p.model.name)).toEqual(['alpha']);
    expect((await reader().predictions.latest({ ticker: 'QQQ', timeframe: '1h' })).predictions.map((p) => p.model.name)).toEqual(['generic']);
  });

  it("keeps exactly the right predictions under the plan's bot filter", async () => {
    const { predictions } = await reader().predictions.latest({ ticker: 'SPY', timeframe: '1h' });
    const picked = predictions.filter((p) => p.confidence > 0.75 && p.model.accuracy! > 0.65);
    expect(picked.map((p) => [p.model.name, p.confidence])).toEqual([['alpha', 0.8]]);
  });

  it('refuses a bad ticker (400), no key (401) and a key without predictions:read (403)', async () => {
    await expect(reader().predictions.latest({ ticker: '$$$', timeframe: '1h' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(t.as(null).predictions.latest({ ticker: 'SPY', timeframe: '1h' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.as(['trading:read']).predictions.latest({ ticker: 'SPY', timeframe: '1h' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('resolve and accuracy', () => {
  beforeAll(async () => {
    // Alpha's ten calls on days 1-2 and delta's day-1 call have their bars; nothing else does, and
    // the rest stays pending (their grace period has not passed).
    expect(await t.services.predictions.resolve({ now: at(DAY3, 6) })).toBe(11);
  });

  it('resolve is admin-only and a run now finds nothing due', async () => {
    await expect(writer().predictions.resolve()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.as(null).predictions.resolve()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await t.as(['admin']).predictions.resolve()).toEqual({ success: true, resolved: 0 });
  });

  it('stores the outcome: actual direction from the bar, correctness against the call', async () => {
    const { predictions } = await reader().predictions.list({ modelId: models.a, status: 'resolved', limit: 100 });
    const byTime = new Map(predictions.map((p) => [p.predictionTime, p]));
    for (const [i, [time, move, , , correct]] of A_RECORD.entries()) {
      const p = byTime.get(time.toISOString())!;
      const { before, after } = A_CLOSES[i]!;
      expect(p.actualDirection).toBe(move === 'FLAT' ? 'NEUTRAL' : move);
      expect(p).toMatchObject({ referencePrice: before, actualPrice: after, basePriceMismatch: before !== 100 });
      expect(p.actualChange).toBeCloseTo((after - before) / before, 12);
      expect(p.correct).toBe(correct);
      expect(p.updatedAt).toBe(p.resolvedAt); // the resolution was the row's last change
    }
  });

  it('per model: total, resolved, correct, hit rate and mean confidence equal the hand computation', async () => {
    const report = await reader().predictions.accuracy({ ticker: 'SPY', timeframe: '1h' });
    const alpha = report.models.find((m) => m.modelId === models.a)!;
    const confidences = [...A_RECORD.map((r) => r[3]), ...A_PENDING.map((r) => r[1])];
    expect(alpha).toMatchObject({
      modelName: 'alpha',
      modelVersion: '1.0.0',
      ticker: 'SPY',
      timeframe: '1h',
      total: 12,
      resolved: 10,
      correct: 5,
      hitRate: 0.5,
    });
    expect(alpha.avgConfidence).toBeCloseTo(confidences.reduce((a, b) => a + b) / 12, 12);
    const delta = report.models.find((m) => m.modelId === models.d)!;
    expect(delta).toMatchObject({ total: 2, resolved: 1, correct: 1, hitRate: 1 });
    expect(report.models.find((m) => m.modelId === models.generic)).toBeUndefined(); // QQQ only
  });

  it('hit rate over time: 3/5 on day 1, 2/5 on day 2; one weekly bucket of 5/10', async () => {
    const daily = await reader().predictions.accuracy({ modelId: models.a });
    expect(daily.overTime).toEqual([
      { modelId: models.a, bucket: '2027-03-01T00:00:00.000Z', resolved: 5, correct: 3, hitRate: 0.6 },
      { modelId: models.a, bucket: '2027-03-02T00:00:00.000Z', resolved: 5, correct: 2, hitRate: 0.4 },
    ]);
    const weekly = await reader().predictions.accuracy({ modelId: models.a, bucket: 'week' });
    expect(weekly.overTime).toEqual([{ modelId: models.a, bucket: '2027-03-01T00:00:00.000Z', resolved: 10, correct: 5, hitRate: 0.5 }]);
  });

  it('calibration: observed hit rate per confidence decile', async () => {
    const { calibration } = await reader().predictions.accuracy({ modelId: models.a });
    const rows = calibration.map(({ modelId, avgConfidence, ...rest }) => ({ ...rest, avgConfidence: Number(avgConfidence.toFixed(6)), modelId }));
    expect(rows).toEqual([
      { modelId: models.a, ticker: 'SPY', timeframe: '1h', lower: 0.3, upper: 0.4, count: 1, avgConfidence: 0.3, hitRate: 0 },
      { modelId: models.a, ticker: 'SPY', timeframe: '1h', lower: 0.5, upper: 0.6, count: 2, avgConfidence: 0.525, hitRate: 0.5 },
      { modelId: models.a, ticker: 'SPY', timeframe: '1h', lower: 0.6, upper: 0.7, count: 3, avgConfidence: 0.636667, hitRate: 0 },
      { modelId: models.a, ticker: 'SPY', timeframe: '1h', lower: 0.7, upper: 0.8, count: 3, avgConfidence: 0.756667, hitRate: 1 },
      { modelId: models.a, ticker: 'SPY', timeframe: '1h', lower: 0.9, upper: 1, count: 1, avgConfidence: 0.93, hitRate: 1 },
    ]);
  });

  it('precision and recall per direction', async () => {
    const { directions } = await reader().predictions.accuracy({ modelId: models.a });
    expect(directions).toEqual([
      { modelId: models.a, ticker: 'SPY', timeframe: '1h', direction: 'UP', predicted: 6, actual: 4, truePositives: 3, precision: 0.5, recall: 0.75 },
      { modelId: models.a, ticker: 'SPY', timeframe: '1h', direction: 'DOWN', predicted: 3, actual: 5, truePositives: 2, precision: 2 / 3, recall: 0.4 },
      { modelId: models.a, ticker: 'SPY', timeframe: '1h', direction: 'NEUTRAL', predicted: 1, actual: 1, truePositives: 0, precision: 0, recall: 0 },
    ]);
  });

  it('filters by time window: day 2 only', async () => {
    const report = await reader().predictions.accuracy({ modelId: models.a, from: new Date(DAY2), to: new Date(DAY3) });
    expect(report.models[0]).toMatchObject({ total: 5, resolved: 5, correct: 2, hitRate: 0.4 });
    expect(report.overTime).toHaveLength(1);
  });
});

describe('list', () => {
  it('pages newest first with an opaque cursor until every row has been served once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await reader().predictions.list({ ticker: 'SPY', timeframe: '1h', modelId: models.a, limit: 5, cursor });
      expect(page.count).toBe(page.predictions.length);
      seen.push(...page.predictions.map((p) => p.predictionTime));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const expected = [...A_RECORD.map((r) => r[0]), ...A_PENDING.map((r) => r[0])]
      .map((d) => d.toISOString())
      .sort()
      .reverse();
    expect(seen).toEqual(expected);
  });

  it('filters by status and time', async () => {
    const count = async (query: Parameters<ReturnType<typeof reader>['predictions']['list']>[0]) =>
      (await reader().predictions.list({ modelId: models.a, limit: 100, ...query })).count;
    expect(await count({ status: 'pending' })).toBe(2);
    expect(await count({ status: 'resolved' })).toBe(10);
    expect(await count({ status: 'correct' })).toBe(5);
    expect(await count({ status: 'wrong' })).toBe(5);
    expect(await count({ from: new Date(DAY2), to: new Date(DAY3) })).toBe(5);
    expect((await reader().predictions.list({ ticker: 'QQQ', limit: 100 })).count).toBe(1);
  });

  it('refuses a forged cursor and a limit above 1000 (400)', async () => {
    await expect(reader().predictions.list({ cursor: 'bm90IGEgY3Vyc29y', limit: 10 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(reader().predictions.list({ limit: 1001 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('create and createBatch', () => {
  const count = async () => (await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM predictions')).rows[0]!.n;
  const fresh = (hour: number, confidence = 0.7) => prediction(models.b, at(DAY3, 10 + hour), 'DOWN', confidence);

  it('creates one prediction, and a retry returns the stored row without writing', async () => {
    const input = {
      ...fresh(0),
      modelVersion: '1.0.0',
      probability: 0.3,
      predictedPrice: 99.5,
      predictedChange: -0.005,
      features: { rsi: 71 },
      modelOutput: { logits: [-0.4, 0.9], classes: ['UP', 'DOWN'] },
    };
    const first = await writer().predictions.create(input);
    expect(first).toMatchObject({
      success: true,
      created: true,
      prediction: { ...input, predictionTime: input.predictionTime.toISOString(), targetTime: input.targetTime.toISOString() },
    });
    expect(first.prediction.updatedAt).toBe(first.prediction.createdAt);
    const before = await count();
    const retry = await writer().predictions.create({ ...input, confidence: 0.99 });
    expect(retry).toMatchObject({ created: false, prediction: { id: first.prediction.id, confidence: 0.7 } });
    expect(await count()).toBe(before);
  });

  it('refuses invalid values (400), an unknown model (404), a model of another series (400)', async () => {
    const bad = [
      { ...fresh(1), confidence: 1.2 },
      { ...fresh(1), probability: -0.1 },
      { ...fresh(1), targetTime: at(DAY3, 10) },
      { ...fresh(1), direction: 'SIDEWAYS' as 'UP' },
      { ...fresh(1), ticker: 'not a ticker' },
    ];
    for (const input of bad) await expect(writer().predictions.create(input)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(writer().predictions.create({ ...fresh(1), modelId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(writer().predictions.create({ ...fresh(1), ticker: 'QQQ' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('predicts SPY 1h'),
    });
    await expect(writer().predictions.create({ ...fresh(1), modelVersion: '2.0.0' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('modelVersion 2.0.0 is not the version of model beta@1.0.0'),
    });
    // One name: the pre-contract `predictedDirection` is not an alias of `direction`.
    const { direction, ...unnamed } = fresh(1);
    await expect(writer().predictions.create({ ...unnamed, predictedDirection: direction } as unknown as ReturnType<typeof fresh>)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect((await reader().predictions.list({ modelId: models.b, from: at(DAY3, 11), to: at(DAY3, 12), limit: 10 })).count).toBe(0);
  });

  it('needs predictions:write', async () => {
    await expect(t.as(null).predictions.create(fresh(2))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(reader().predictions.create(fresh(2))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(reader().predictions.createBatch({ predictions: [fresh(2)] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a batch is all or nothing: one invalid, unknown-model or repeated row writes nothing', async () => {
    const before = await count();
    const rows = [fresh(3), fresh(4), fresh(5)];
    await expect(writer().predictions.createBatch({ predictions: [...rows, { ...fresh(6), confidence: 2 }] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      writer().predictions.createBatch({ predictions: [...rows, { ...fresh(6), modelId: '00000000-0000-4000-8000-000000000000' }] }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(writer().predictions.createBatch({ predictions: [...rows, fresh(3)] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('predictions[3] repeats predictions[0]'),
    });
    expect(await count()).toBe(before);
  });

  it('a retried batch creates nothing and returns the same rows; a partly new one creates only the new rows', async () => {
    const rows = [fresh(7), fresh(8), fresh(9)];
    const first = await writer().predictions.createBatch({ predictions: rows });
    expect(first).toMatchObject({ success: true, received: 3, created: 3, existing: 0 });
    const retry = await writer().predictions.createBatch({ predictions: rows });
    expect(retry).toMatchObject({ received: 3, created: 0, existing: 3 });
    expect(retry.predictions.map((p) => p.id)).toEqual(first.predictions.map((p) => p.id));
    const grown = await writer().predictions.createBatch({ predictions: [fresh(10), ...rows] });
    expect(grown).toMatchObject({ received: 4, created: 1, existing: 3 });
    expect(grown.predictions.map((p) => p.predictionTime)).toEqual([fresh(10), ...rows].map((r) => r.predictionTime.toISOString()));
  });

  it('takes 5000 predictions in one batch and refuses 5001', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => prediction(models.generic, new Date(DAY1 + i * 60_000), 'UP', 0.6, 'IWM'));
    const result = await writer().predictions.createBatch({ predictions: many });
    expect(result).toMatchObject({ created: 5000, existing: 0 });
    expect(result.predictions).toHaveLength(5000);
    await expect(
      writer().predictions.createBatch({ predictions: [...many, prediction(models.generic, new Date(DAY3), 'UP', 0.6, 'IWM')] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

