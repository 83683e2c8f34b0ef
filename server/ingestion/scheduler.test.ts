import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger } from '../logger';
import { MarketDataRepository } from '../market-data/repository';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { startFakePolygon, type FakePolygon } from '../../tooling/fake-polygon/server';
import { loadSpyMinuteBars } from '../../tooling/reference/reference-csv';
import { IngestionRepository } from './repository';
import { refreshTick, startRefreshScheduler } from './scheduler';
import { IngestionService } from './service';

let db: TestDatabase;
let fake: FakePolygon;
const TICK = new Date('2025-07-07T14:35:00Z'); // Monday 10:35 New York

/** One app instance: its own service and repositories, same database. */
function instance(): IngestionService {
  return new IngestionService({
    repository: new IngestionRepository(db.prisma, db.pool),
    marketData: new MarketDataRepository(db.pool),
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

  it('schedules the configured patterns in New York time, whatever the host time zone, and stops', () => {
    // The scheduler logs each pattern's next run when it starts; read them from a captured log.
    const nextRunsFrom = (now: string): string[] => {
      const lines: string[] = [];
      vi.setSystemTime(new Date(now));
      const scheduler = startRefreshScheduler({ service: instance(), log: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }) });
      scheduler.stop();
      const started = lines.map((line) => JSON.parse(line) as { msg: string; next?: string[] }).find((entry) => entry.msg === 'refresh scheduler started');
      return started?.next ?? [];
    };
    const hostZone = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo'; // a host far from New York: a schedule in host time would be 13-14 h off
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // Patterns '*/5 4-19 * * 1-5' and '10 20 * * 1-5', from Sunday evening in New York.
      // Summer (EDT, UTC-4): Monday 04:00 and 20:10 New York.
      expect(nextRunsFrom('2025-07-07T01:00:00Z')).toEqual(['2025-07-07T08:00:00.000Z', '2025-07-08T00:10:00.000Z']);
      // Winter (EST, UTC-5): the same wall-clock times, one hour later in UTC.
      expect(nextRunsFrom('2025-01-06T01:00:00Z')).toEqual(['2025-01-06T09:00:00.000Z', '2025-01-07T01:10:00.000Z']);
    } finally {
      vi.useRealTimers();
      if (hostZone === undefined) delete process.env.TZ;
      else process.env.TZ = hostZone;
    }
    expect(() => startRefreshScheduler({ service: instance(), log: logger, patterns: ['not a cron'] })).toThrow();
  });
});
