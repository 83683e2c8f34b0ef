import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketDataRepository } from '../market-data/repository';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { IngestionRepository } from './repository';
import { refreshTick } from './scheduler';
import { IngestionService, type IngestionJob } from './service';

let db: TestDatabase;
const TICK = new Date('2025-07-07T14:35:00Z'); // Monday 10:35 New York
const queued: IngestionJob[] = [];

function service(): IngestionService {
  return new IngestionService({
    repository: new IngestionRepository(db.prisma, db.pool),
    marketData: new MarketDataRepository(db.pool),
    now: () => TICK,
    enqueueRun: async (job) => void queued.push(job),
    settings: {
      polygon: { apiKey: 'k', baseUrl: 'http://127.0.0.1:9', plan: 'developer', requestsPerSecond: 99, pacing: 'off', maxRetries: 0 },
      refresh: { tickers: ['SPY'], timeframes: ['1m', '5m'], cron: ['*/5 4-19 * * 1-5'] },
    },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('refresh tick', () => {
  it('queues a refresh run of the configured series on a trading day', async () => {
    const runId = await refreshTick(service(), TICK);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      runId,
      plan: {
        kind: 'refresh',
        series: [
          { ticker: 'SPY', timeframe: '1m' },
          { ticker: 'SPY', timeframe: '5m' },
        ],
      },
    });
    const run = await service().getRun(runId!);
    expect(run).toMatchObject({ kind: 'refresh', status: 'RUNNING', tickers: ['SPY'] });
  });

  it('does nothing on days without a session', async () => {
    queued.length = 0;
    expect(await refreshTick(service(), new Date('2025-07-04T14:35:00Z'))).toBeNull(); // Independence Day
    expect(await refreshTick(service(), new Date('2025-07-05T14:35:00Z'))).toBeNull(); // Saturday
    expect(queued).toEqual([]);
  });
});
