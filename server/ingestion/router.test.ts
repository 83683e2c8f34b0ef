import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOpenApiDocument } from 'trpc-to-openapi';
import type { Principal } from '../auth/principal';
import { logger } from '../logger';
import { MarketDataRepository } from '../market-data/repository';
import { ReadCache } from '../db/read-cache';
import { appRouter } from '../router';
import type { Services } from '../services';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createCallerFactory } from '../trpc';
import { startFakePolygon, type FakePolygon } from '../../tooling/fake-polygon/server';
import { loadSpyMinuteBars } from '../../tooling/reference/reference-csv';
import { IngestionRepository } from './repository';
import { IngestionService, type IngestionJob, type IngestionSettings } from './service';

let db: TestDatabase;
let fake: FakePolygon;
let ingestion: IngestionService;
// The job queue's part, in process: each queued run executes at once.
const running: Promise<unknown>[] = [];
const enqueueRun = async (job: IngestionJob) => void running.push(ingestion.runJob(job, new AbortController().signal));
const whenIdle = () => Promise.all(running);
const createCaller = createCallerFactory(appRouter);

function settings(apiKey: string | undefined): IngestionSettings {
  return {
    polygon: { apiKey, baseUrl: fake.url, plan: 'developer', requestsPerSecond: 99, pacing: 'off', maxRetries: 1, backoff: { baseMs: 5 } },
    refresh: { tickers: ['SPY'], timeframes: ['1m'], cron: [] },
  };
}

const repositories = () => ({ repository: new IngestionRepository(db.prisma, db.pool), marketData: new MarketDataRepository(db.pool) });

function caller(scopes: string[] | null, service = ingestion) {
  const principal: Principal | null = scopes && ({ keyId: 'k', name: 'test', prefix: 'qb_test', scopes: new Set(scopes) } as Principal);
  return createCaller({ services: { ingestion: service, readCache: new ReadCache(db.pool) } as unknown as Services, principal, authError: null, requestId: 'r', log: logger });
}

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakePolygon({ minuteBars: { SPY: loadSpyMinuteBars() } });
  ingestion = new IngestionService({ ...repositories(), settings: settings('k'), enqueueRun, now: () => new Date('2025-07-07T22:00:00Z') });
});
afterAll(async () => {
  await whenIdle();
  await fake.close();
  await db.drop();
});

describe('ingestion router', () => {
  it('starts a backfill in the background (admin) and returns its id at once', async () => {
    const { success, runId } = await caller(['admin']).ingestion.startBackfill({ tickers: ['SPY'], timeframes: ['1m', '1h'], from: '2025-07-01', to: '2025-07-07' });
    expect(success).toBe(true);
    await whenIdle();
    const { run } = await caller(['market:read']).ingestion.run({ id: runId });
    expect(run).toMatchObject({ id: runId, kind: 'backfill', status: 'SUCCESS', tickers: ['SPY'], timeframes: ['1m', '1h'], windowsTotal: 2, windowsDone: 2 });
    expect(run.progress.percent).toBe(100);
  });

  it('lists runs and logs with filters and cursor pagination', async () => {
    const { runId } = await caller(['admin']).ingestion.triggerRefresh({});
    await whenIdle();
    const read = caller(['market:read']).ingestion;
    const first = await read.runs({ limit: 1 });
    expect(first.runs.map((r) => r.id)).toEqual([runId]);
    const second = await read.runs({ limit: 1, cursor: first.nextCursor! });
    expect(second.runs[0]!.kind).toBe('backfill');
    expect(second.nextCursor).toBeNull();
    expect((await read.runs({ kind: 'refresh', limit: 10 })).runs).toHaveLength(1);

    const logs = await read.logs({ ticker: 'SPY', timeframe: '1h', limit: 10 });
    expect(logs.logs).toEqual([expect.objectContaining({ timeframe: '1h', status: 'SUCCESS', attempts: 1 })]);
    const page1 = await read.logs({ limit: 1 });
    const page2 = await read.logs({ limit: 1, cursor: page1.nextCursor! });
    expect([...page1.logs, ...page2.logs].map((l) => l.timeframe)).toEqual(['1h', '1m']);
    expect(page2.nextCursor).toBeNull();
    // The refresh found the backfilled window final and fetched nothing again.
    expect((await read.run({ id: runId })).run).toMatchObject({ status: 'SUCCESS', windowsDone: 1, bars: 0 });
    expect((await read.logs({ runId, limit: 10 })).logs).toEqual([]);
  });

  it('serves the gap report', async () => {
    const { report } = await caller(['market:read']).ingestion.validate({ ticker: 'spy', timeframe: '1m', from: '2025-07-01', to: '2025-07-07' });
    expect(report).toMatchObject({ ticker: 'SPY', ok: true, missingSessions: [] });
  });

  it('enforces scopes and rejects bad input', async () => {
    await expect(caller(null).ingestion.runs({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(caller(['market:read']).ingestion.startBackfill({ tickers: ['SPY'] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(caller(['admin']).ingestion.startBackfill({ tickers: ['SPY'], from: '2025-07-07', to: '2025-07-01' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller(['market:read']).ingestion.run({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers PRECONDITION_FAILED without an API key', async () => {
    const keyless = new IngestionService({ ...repositories(), settings: settings(undefined) });
    await expect(caller(['admin'], keyless).ingestion.startBackfill({ tickers: ['SPY'] })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'POLYGON_API_KEY (or NEXT_PUBLIC_POLYGON_API_KEY) is not set',
    });
  });

  it('documents every procedure for the REST adapter', () => {
    const doc = generateOpenApiDocument(appRouter, { title: 't', version: '1', baseUrl: '/api' });
    expect(Object.keys(doc.paths ?? {}).filter((p) => p.startsWith('/ingestion')).sort()).toEqual([
      '/ingestion/backfill',
      '/ingestion/logs',
      '/ingestion/refresh',
      '/ingestion/runs',
      '/ingestion/runs/{id}',
      '/ingestion/validate',
    ]);
  });
});
