// An IngestionService for tests against the fake Polygon: the test database's repositories, pacing
// off, no scheduled refresh, a fixed clock, short heartbeats; a test overrides what it exercises.
import { IngestionRepository } from '../ingestion/repository';
import { IngestionService, type IngestionServiceDeps, type IngestionSettings } from '../ingestion/service';
import { logger } from '../logger';
import { MarketDataRepository } from '../market-data/repository';
import type { TestDatabase } from './db';

export function ingestionServiceFor(
  db: Pick<TestDatabase, 'prisma' | 'pool'>,
  polygonUrl: string,
  options: { polygon?: Partial<IngestionSettings['polygon']>; deps?: Partial<IngestionServiceDeps> } = {},
): IngestionService {
  return new IngestionService({
    repository: new IngestionRepository(db.prisma, db.pool),
    marketData: new MarketDataRepository(db.pool),
    log: logger,
    now: () => new Date('2026-02-10T15:00:00Z'),
    settings: {
      polygon: { apiKey: 'test-key', baseUrl: polygonUrl, plan: 'developer', requestsPerSecond: 99, pacing: 'off', maxRetries: 3, ...options.polygon },
      refresh: { tickers: [], timeframes: [], cron: [] },
      heartbeatMs: 100,
    },
    ...options.deps,
  });
}
