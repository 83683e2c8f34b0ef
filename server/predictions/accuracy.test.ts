// The accuracy report on a crafted set (issue 12, "Tests that must exist" 2): every metric against a
// hand computation. Outcomes are written directly (the resolver has its own tests), at times
// relative to now so the rolling windows have something to cut.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerAs, type TestCallers } from '../testing/caller';
import { readJson, startTestServer, type TestServer } from '../testing/http';

let server: TestServer;
let t: TestCallers;
const reader = () => t.as(['predictions:read']);
let alpha: string;
let beta: string;

const DAY = 86_400_000;
type Dir = 'UP' | 'DOWN' | 'NEUTRAL';

/**
 * Alpha's record (SPY 1h), newest first: [#, days ago, predicted, confidence, outcome].
 *  #1  1d UP      0.8   UP      right
 *  #2  2d UP      0.6   DOWN    wrong
 *  #3  3d DOWN    0.7   DOWN    right
 *  #8  4d UP      0.6   pending (due)
 *  #7  5d UP      0.55  UNRESOLVABLE
 *  #4 10d NEUTRAL 0.5   UP      wrong
 *  #5 20d UP      0.9   UP      right
 *  #6 40d DOWN    0.65  UP      wrong
 *  #9 made 10 minutes ago, DOWN 0.75, target in 50 minutes: not due
 */
const ALPHA: Array<[number, Dir, number, Dir | 'UNRESOLVABLE' | null]> = [
  [1, 'UP', 0.8, 'UP'],
  [2, 'UP', 0.6, 'DOWN'],
  [3, 'DOWN', 0.7, 'DOWN'],
  [4, 'UP', 0.6, null],
  [5, 'UP', 0.55, 'UNRESOLVABLE'],
  [10, 'NEUTRAL', 0.5, 'UP'],
  [20, 'UP', 0.9, 'UP'],
  [40, 'DOWN', 0.65, 'UP'],
];

async function insert(modelId: string, predictionTime: Date, targetTime: Date, direction: Dir, confidence: number, outcome: Dir | 'UNRESOLVABLE' | null) {
  const resolved = outcome !== null && outcome !== 'UNRESOLVABLE';
  await t.db.pool.query(
    `INSERT INTO predictions (id, model_id, model_version, ticker, timeframe, prediction_time, target_time, direction, confidence,
                              actual_direction, correct, resolved_at, resolution_status, unresolvable_reason)
     VALUES (gen_random_uuid(), $1, '1.0.0', 'SPY', '1h', $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      modelId,
      predictionTime,
      targetTime,
      direction,
      confidence,
      resolved ? outcome : null,
      resolved ? outcome === direction : null,
      resolved ? targetTime : null,
      resolved ? 'RESOLVED' : (outcome ?? 'PENDING'),
      outcome === 'UNRESOLVABLE' ? 'bars missing' : null,
    ],
  );
}

beforeAll(async () => {
  server = await startTestServer();
  t = { db: server.db, services: server.services, as: (scopes) => callerAs(server.services, scopes) };
  const register = async (name: string) =>
    (await t.as(['models:write']).models.register({ name, version: '1.0.0', algorithm: `gbm-${name}`, ticker: 'SPY', timeframe: '1h' })).model.id;
  alpha = await register('alpha');
  beta = await register('beta');
  const now = Date.now();
  for (const [daysAgo, direction, confidence, outcome] of ALPHA) {
    const time = new Date(now - daysAgo * DAY);
    await insert(alpha, time, new Date(time.getTime() + 3_600_000), direction, confidence, outcome);
  }
  await insert(alpha, new Date(now - 600_000), new Date(now + 3_000_000), 'DOWN', 0.75, null);
  // Beta: one right call at 0.6.
  await insert(beta, new Date(now - DAY), new Date(now - DAY + 3_600_000), 'UP', 0.6, 'UP');
});
afterAll(() => server.close());

const row = async (query: Parameters<ReturnType<typeof reader>['predictions']['accuracy']>[0], modelId = alpha) =>
  (await reader().predictions.accuracy(query)).models.find((m) => m.modelId === modelId)!;

describe('accuracy report', () => {
  it('over all predictions: counts, hit rate, coverage, Brier score and log loss', async () => {
    const report = await reader().predictions.accuracy({ ticker: 'SPY', timeframe: '1h' });
    expect(report).toMatchObject({ window: 'all', last: null });
    const a = report.models.find((m) => m.modelId === alpha)!;
    // 9 made, 8 due; resolved #1-#6, #7 unresolvable; right #1 #3 #5.
    expect(a).toMatchObject({
      modelName: 'alpha',
      modelVersion: '1.0.0',
      ticker: 'SPY',
      timeframe: '1h',
      total: 9,
      due: 8,
      resolved: 6,
      unresolvable: 1,
      correct: 3,
      hitRate: 0.5,
    });
    expect(a.coverage).toBeCloseTo(7 / 8, 12);
    expect(a.avgConfidence).toBeCloseTo((0.8 + 0.6 + 0.7 + 0.6 + 0.55 + 0.5 + 0.9 + 0.65 + 0.75) / 9, 12);
    // Brier: (0.8-1)² + (0.6-0)² + (0.7-1)² + (0.5-0)² + (0.9-1)² + (0.65-0)² = 0.04 + 0.36 + 0.09 + 0.25 + 0.01 + 0.4225 = 1.1725, / 6
    expect(a.brier).toBeCloseTo(1.1725 / 6, 12);
    // Log loss: -ln p when right, -ln(1 - p) when wrong.
    expect(a.logLoss).toBeCloseTo(-(Math.log(0.8) + Math.log(0.4) + Math.log(0.7) + Math.log(0.5) + Math.log(0.9) + Math.log(0.35)) / 6, 12);
    // Beta apart: one right call at 0.6: Brier 0.16, log loss -ln 0.6.
    const b = report.models.find((m) => m.modelId === beta)!;
    expect(b).toMatchObject({ total: 1, due: 1, resolved: 1, correct: 1, hitRate: 1, coverage: 1 });
    expect(b.brier).toBeCloseTo(0.16, 12);
    expect(b.logLoss).toBeCloseTo(-Math.log(0.6), 12);
  });

  it('over the 7, 30 and 90 day windows', async () => {
    // 7d: #1 #2 #3 #8 #7 #9: due 5, resolved #1-#3 (2 right), #7 unresolvable.
    const week = await row({ window: '7d' });
    expect(week).toMatchObject({ total: 6, due: 5, resolved: 3, unresolvable: 1, correct: 2 });
    expect(week.hitRate).toBeCloseTo(2 / 3, 12);
    expect(week.coverage).toBeCloseTo(4 / 5, 12);
    expect(week.brier).toBeCloseTo((0.04 + 0.36 + 0.09) / 3, 12);
    // 30d adds #4 (wrong) and #5 (right).
    const month = await row({ window: '30d' });
    expect(month).toMatchObject({ total: 8, due: 7, resolved: 5, correct: 3, hitRate: 0.6 });
    expect(month.coverage).toBeCloseTo(6 / 7, 12);
    expect(month.brier).toBeCloseTo((0.04 + 0.36 + 0.09 + 0.25 + 0.01) / 5, 12);
    // 90d holds all of them, #6 at 40 days included.
    expect(await row({ window: '90d' })).toEqual(await row({ window: 'all' }));
  });

  it('over the last N due predictions of each model version and series', async () => {
    // The five newest due: #1 #2 #3 #8 #7 (the not-due #9 does not count).
    const last = await row({ last: 5 });
    expect(last).toMatchObject({ total: 5, due: 5, resolved: 3, unresolvable: 1, correct: 2 });
    expect(last.coverage).toBeCloseTo(4 / 5, 12);
    expect((await reader().predictions.accuracy({ last: 5 })).last).toBe(5);
    // Per model version: beta's one prediction is its last one.
    expect(await row({ last: 5 }, beta)).toMatchObject({ total: 1, resolved: 1 });
    // Combined with a window: of the last 2 in 7 days, #1 and #2.
    expect(await row({ last: 2, window: '7d' })).toMatchObject({ total: 2, resolved: 2, correct: 1, hitRate: 0.5 });
  });

  it('precision and recall per direction', async () => {
    const { directions } = await reader().predictions.accuracy({ modelId: alpha });
    // Resolved: predicted UP #1 #2 #5, DOWN #3 #6, NEUTRAL #4; actual UP #1 #4 #5 #6, DOWN #2 #3.
    expect(directions).toEqual([
      { modelId: alpha, ticker: 'SPY', timeframe: '1h', direction: 'UP', predicted: 3, actual: 4, truePositives: 2, precision: 2 / 3, recall: 0.5 },
      { modelId: alpha, ticker: 'SPY', timeframe: '1h', direction: 'DOWN', predicted: 2, actual: 2, truePositives: 1, precision: 0.5, recall: 0.5 },
      { modelId: alpha, ticker: 'SPY', timeframe: '1h', direction: 'NEUTRAL', predicted: 1, actual: 0, truePositives: 0, precision: 0, recall: null },
    ]);
  });

  it('calibration by confidence decile', async () => {
    const { calibration } = await reader().predictions.accuracy({ modelId: alpha });
    const rows = calibration.map(({ avgConfidence, ...rest }) => ({ ...rest, avgConfidence: Number(avgConfidence.toFixed(9)) }));
    const series = { modelId: alpha, ticker: 'SPY', timeframe: '1h' };
    expect(rows).toEqual([
      { ...series, lower: 0.5, upper: 0.6, count: 1, avgConfidence: 0.5, hitRate: 0 }, // #4
      { ...series, lower: 0.6, upper: 0.7, count: 2, avgConfidence: 0.625, hitRate: 0 }, // #2 0.6, #6 0.65
      { ...series, lower: 0.7, upper: 0.8, count: 1, avgConfidence: 0.7, hitRate: 1 }, // #3
      { ...series, lower: 0.8, upper: 0.9, count: 1, avgConfidence: 0.8, hitRate: 1 }, // #1
      { ...series, lower: 0.9, upper: 1, count: 1, avgConfidence: 0.9, hitRate: 1 }, // #5
    ]);
  });

  it('serves the same figures over REST, window and last as query parameters', async () => {
    const key = await server.key(['predictions:read']);
    const res = await fetch(`${server.url}/api/predictions/accuracy?ticker=SPY&timeframe=1h&window=7d&last=5`, { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({ success: true, window: '7d', last: 5 });
    expect(body.models.find((m: { modelId: string }) => m.modelId === alpha)).toEqual(await row({ window: '7d', last: 5 }));
    const bad = await fetch(`${server.url}/api/predictions/accuracy?window=1y`, { headers: { Authorization: `Bearer ${key}` } });
    expect(bad.status).toBe(400);
  });

  it('refuses an unknown window and a last below 1 (400)', async () => {
    await expect(reader().predictions.accuracy({ window: '1y' as '7d' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(reader().predictions.accuracy({ last: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
