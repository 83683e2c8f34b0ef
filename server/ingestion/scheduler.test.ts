import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../logger';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { startFakePolygon, type FakePolygon } from '../../tooling/fake-polygon/server';
import { loadSpyMinuteBars } from '../../tooling/reference/reference-csv';
import { refreshTick, startRefreshScheduler } from './scheduler';
import { IngestionService } from './service';

let db: TestDatabase;
let fake: FakePolygon;
const TICK = new Date('2025-07-07T14:35:00Z'); // Monday 10:35 New York

/** One app instance: its own pool (as a separate process would have), same database. */
function instance(): IngestionService {
  return new IngestionService({
    pool: db.pool,
    prisma: db.prisma,
    now: () => TICK,
    settings: {
      polygon: { apiKey: 'k', baseUrl: fake.url, plan: 'developer', requestsPerSecond: 99, pacing: 'off', maxRetries: 0 },
      refresh: { tickers: ['SPY'], timeframes: ['1m', '5m'], cron: ['*/5 4-19 * * 1-5', '10 20 * * 1-5'] },
    },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Slow responses keep the first instance's tick busy while the second one arrives.
  fake = await startFakePolygon({ minuteBars: { SPY: loadSpyMinuteBars() }, faults: { random: { seed: 1, probability: 1, actions: [{ type: 'delay', delayMs: 150 }] } } });
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

describe('refresh scheduling', () => {
  it('runs each tick once across instances', async () => {
    const [a, b] = await Promise.all([refreshTick(instance(), TICK), refreshTick(instance(), TICK)]);
    const outcomes = [a, b].map((o) => (o.ran ? o.summary.status : o.reason)).sort();
    expect(outcomes).toEqual(['SUCCESS', 'busy']);
    // An instance whose timer fires late finds the tick already done.
    expect(await refreshTick(instance(), TICK)).toEqual({ ran: false, reason: 'done-elsewhere' });
    const { runs } = await instance().listRuns({ kind: 'refresh', limit: 10 });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'SUCCESS', tickers: ['SPY'], timeframes: ['1m', '5m'] });
  });

  it('runs the next tick again, and skips days without a session', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const next = await refreshTick(instance(), new Date(TICK.getTime() + 5 * 60_000), { sameTickMs: 250 });
    expect(next.ran).toBe(true);
    expect(await refreshTick(instance(), new Date('2025-07-04T14:35:00Z'))).toEqual({ ran: false, reason: 'closed' });
    expect(await refreshTick(instance(), new Date('2025-07-05T14:35:00Z'))).toEqual({ ran: false, reason: 'closed' });
  });

  it('schedules the configured patterns in New York time and stops', () => {
    const scheduler = startRefreshScheduler({ service: instance(), log: logger });
    scheduler.stop();
    expect(() => startRefreshScheduler({ service: instance(), log: logger, patterns: ['not a cron'] })).toThrow();
  });
});
