import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestCallers, type TestCallers } from '../testing/caller';
import { metricValue } from '../testing/metrics';
import { RESOLVER_LOCK } from './repository';
import { resolveDuePredictions } from './resolver';

let t: TestCallers;
let modelId: string;
const T0 = Date.UTC(2025, 5, 2, 14, 0);

beforeAll(async () => {
  t = await createTestCallers();
  ({
    model: { id: modelId },
  } = await t.as(['admin']).models.register({ name: 'resolver-test', version: '1.0.0', algorithm: 'x', ticker: 'SPY', timeframe: '1h' }));
});
afterAll(() => t.db.drop());

/** One due SPY 1h prediction (UP from 100) and its outcome bar (close 102), `hours` after T0. */
async function duePrediction(hours: number) {
  const time = new Date(T0 + hours * 3_600_000);
  await t.services.marketData.upsertBars([{ ticker: 'SPY', timeframe: '1h', timestamp: time, open: 100, high: 103, low: 99, close: 102, volume: 1 }]);
  await t.services.predictions.create({
    modelId,
    ticker: 'SPY',
    timeframe: '1h',
    predictionTime: time,
    targetTime: new Date(time.getTime() + 3_600_000),
    direction: 'UP',
    confidence: 0.7,
    basePrice: 100,
  });
}

const deps = () => ({ predictions: t.services.predictions.repository, metrics: t.services.systemMetrics });
const resolverRuns = (result: string) => metricValue('quantbase_job_runs_total', { job: 'prediction_resolver', result });

const pending = async () => (await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM predictions WHERE resolved_at IS NULL')).rows[0]!.n;

describe('prediction resolver', () => {
  it('counts a run another instance held the lock for as skipped, and records nothing', async () => {
    await duePrediction(3);
    const [skipped, succeeded] = [await resolverRuns('skipped'), await resolverRuns('success')];
    const other = await t.db.pool.connect();
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock($1, $2)', [...RESOLVER_LOCK]);
    try {
      expect(await resolveDuePredictions(deps())).toBeNull();
      expect(await resolverRuns('skipped')).toBe(skipped + 1);
    } finally {
      await other.query('COMMIT');
      other.release();
    }
    expect(await resolverRuns('success')).toBe(succeeded);
    expect(await t.services.systemMetrics.list('prediction_resolver.resolved')).toEqual([]);
  });

  beforeEach(() => t.db.pool.query('TRUNCATE predictions, market_data, system_metrics'));

  it('skips while another instance holds the lock, and resolves once it is free', async () => {
    await duePrediction(0);
    const other = await t.db.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1, $2)', [...RESOLVER_LOCK]);
      expect(await t.services.predictions.repository.resolveDueExclusive()).toBeNull();
      expect(await pending()).toBe(1);
      await other.query('COMMIT');
    } finally {
      other.release();
    }
    expect(await t.services.predictions.repository.resolveDueExclusive()).toBe(1);
    expect(await pending()).toBe(0);
  });

  it('records each run as a metric and counts it', async () => {
    await duePrediction(1);
    await duePrediction(2);
    const counted = await resolverRuns('success');
    const runs = async () => (await t.services.systemMetrics.list('prediction_resolver.resolved')).map((p) => p.metricValue);
    expect(await resolveDuePredictions(deps())).toBe(2);
    expect(await resolveDuePredictions(deps())).toBe(0);
    expect(await runs()).toEqual([2, 0]);
    expect((await resolverRuns('success')) - counted).toBe(2);
    expect(await pending()).toBe(0);
    const { rows } = await t.db.pool.query<{ correct: boolean }>('SELECT correct FROM predictions');
    expect(rows.map((r) => r.correct)).toEqual([true, true]);
  });
});
