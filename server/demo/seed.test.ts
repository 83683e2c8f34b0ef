import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRepository } from '../events/repository';
import { validateGaps } from '../ingestion/gaps';
import { MarketDataRepository } from '../market-data/repository';
import { TIMEFRAMES } from '../market-data/schema';
import { PredictionRepository } from '../predictions/repository';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { seedDemoData, type SeedSummary } from './seed';

const NOW = new Date('2026-03-04T18:00:00Z'); // a Wednesday afternoon, mid-session
const OPTIONS = { now: NOW, years: 0.25, intradaySessions: 5 };
let a: TestDatabase;
let b: TestDatabase;
let summary: SeedSummary;

beforeAll(async () => {
  [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  summary = await seedDemoData(a, OPTIONS);
  await seedDemoData(b, OPTIONS);
});
afterAll(() => Promise.all([a.drop(), b.drop()]));

const fingerprint = async (db: TestDatabase, sql: string) => (await db.pool.query(sql)).rows[0].md5 as string;

describe('demo data', () => {
  it('is deterministic: the same options give byte-identical bars and predictions', async () => {
    const bars = `SELECT md5(string_agg(concat_ws(',', ticker, timeframe, "timestamp", open, high, low, close, volume, vwap, trade_count), ';' ORDER BY ticker, timeframe, "timestamp")) FROM market_data`;
    const predictions = `SELECT md5(string_agg(concat_ws(',', p.ticker, p.timeframe, m.name, m.version, p.prediction_time, p.target_time, p.direction, p.confidence, p.correct), ';' ORDER BY m.name, m.version, p.prediction_time)) FROM predictions p JOIN models m ON m.id = p.model_id`;
    expect(await fingerprint(a, bars)).toBe(await fingerprint(b, bars));
    expect(await fingerprint(a, predictions)).toBe(await fingerprint(b, predictions));
  });

  it('ends with the last session completed before `now` and trades only inside NYSE sessions', async () => {
    expect(summary.to).toBe('2026-03-03');
    const repo = new MarketDataRepository(a.pool);
    for (const timeframe of TIMEFRAMES) {
      const stored = await repo.getBarsInRange('SPY', timeframe, new Date(0), NOW);
      expect(stored.length, timeframe).toBeGreaterThan(0);
      const report = validateGaps(
        stored.map((bar) => ({ ...bar, timestamp: new Date(bar.timestamp) })),
        { timeframe, from: new Date(stored[0]!.timestamp), to: new Date(stored.at(-1)!.timestamp), extended: false },
      );
      expect(report.totals.outsideSession, timeframe).toBe(0);
      expect(report.totals.missingSessions, timeframe).toBe(0);
      expect(report.outages, timeframe).toEqual([]);
    }
  });

  it('marks every bar as demo data', async () => {
    const { rows } = await a.pool.query(`SELECT source, count(*)::int AS bars FROM market_data GROUP BY source`);
    expect(rows).toEqual([{ source: 'demo', bars: summary.bars }]);
  });

  it('registers one active model per ticker and timeframe', async () => {
    const { rows } = await a.pool.query(`SELECT ticker, timeframe, count(*) FILTER (WHERE is_active)::int AS active FROM models GROUP BY 1, 2`);
    expect(rows.length).toBe(8);
    expect(rows.every((r) => r.active === 1)).toBe(true);
  });

  it("gives each later model version its training data: the series' bars before its first prediction", async () => {
    const { rows } = await a.pool.query(
      `SELECT m.version, m.training_rows AS rows,
              m.training_rows = (SELECT count(*) FROM market_data b WHERE b.ticker = m.ticker AND b.timeframe = m.timeframe
                                   AND b."timestamp" BETWEEN m.training_data_from AND m.training_data_to) AS counted,
              m.training_data_to < (SELECT min(p.prediction_time) FROM predictions p WHERE p.model_id = m.id) AS before_predictions
       FROM models m WHERE m.ticker = 'SPY' AND m.timeframe = '1d' ORDER BY m.name, m.version`,
    );
    expect(rows).toEqual([
      { version: '1.0.0', rows: 0, counted: true, before_predictions: null }, // the first version has no earlier data
      { version: '2.0.0', rows: expect.any(Number), counted: true, before_predictions: true },
      { version: '1.0.0', rows: expect.any(Number), counted: true, before_predictions: true },
    ]);
    expect(rows[1].rows).toBeGreaterThan(0);
  });

  it('resolves every prediction whose target has passed, so accuracy has real numbers', async () => {
    const { rows } = await a.pool.query(
      // Overdue = target passed and the outcome bar is stored, yet not resolved.
      `SELECT count(*) FILTER (WHERE target_time <= $1 AND resolved_at IS NULL AND EXISTS (
                SELECT 1 FROM market_data m WHERE m.ticker = p.ticker AND m.timeframe = p.timeframe
                  AND m."timestamp" >= p.prediction_time AND m."timestamp" < p.target_time))::int AS overdue,
              count(*) FILTER (WHERE target_time > $1 AND resolved_at IS NOT NULL)::int AS premature,
              count(*) FILTER (WHERE resolved_at IS NULL)::int AS pending
       FROM predictions p`,
      [NOW],
    );
    expect(rows[0]).toMatchObject({ overdue: 0, premature: 0 });
    expect(rows[0].pending).toBeGreaterThan(0); // the latest calls still wait for their target
    const accuracy = await new PredictionRepository(a.pool, new EventRepository(a.pool)).accuracy({ ticker: 'SPY', timeframe: '1h', window: 'all' });
    const active = accuracy.find((r) => r.modelName === 'spy-1h-gbm-direction' && r.modelVersion === '2.0.0')!;
    expect(active.resolved).toBeGreaterThan(20);
    expect(active.hitRate).toBeGreaterThan(0.45);
    expect(active.hitRate).toBeLessThan(0.8);
  });

  it('places a few paper orders: fills at their own times, an equity curve, and one resting limit', async () => {
    const { rows } = await a.pool.query(
      `SELECT status::text, count(*)::int AS n, count(DISTINCT price)::int AS prices, count(DISTINCT execution_time)::int AS times FROM trades GROUP BY 1 ORDER BY 1`,
    );
    expect(summary.orders).toBe(6);
    expect(rows).toEqual([
      { status: 'FILLED', n: 5, prices: 5, times: 5 },
      { status: 'NEW', n: 1, prices: 0, times: 0 },
    ]);
    const held = await a.pool.query(`SELECT quantity::float8 AS quantity FROM portfolio WHERE ticker = 'SPY'`);
    expect(held.rows[0].quantity).toBe(20 + 10 - 15 + 5 - 10);
    expect((await a.pool.query(`SELECT count(*)::int AS n FROM equity_history`)).rows[0].n).toBe(5);
  });
});
