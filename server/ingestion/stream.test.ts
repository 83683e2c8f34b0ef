// The Polygon stream end to end: the fake stocks socket (tooling/fake-polygon/stream.ts) through
// @polygon.io/client-js into a real PostgreSQL, with the REST repair running as a real pg-boss job.
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { JOB, jobQueues } from '../jobs/definitions';
import { JobQueue } from '../jobs/queue';
import { MarketDataRepository } from '../market-data/repository';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { startFakePolygon, type FakePolygon } from '../../tooling/fake-polygon/server';
import type { ReplayOptions } from '../../tooling/fake-polygon/stream';
import { loadSpyMinuteBars } from '../../tooling/reference/reference-csv';
import type { BackoffOptions } from './pacing';
import { IngestionRepository } from './repository';
import { IngestionService, type IngestionJob } from './service';
import { PolygonStream, type StreamDeps, type StreamHole } from './stream';

const minute = loadSpyMinuteBars();
const ms = (iso: string) => Date.parse(iso);
/** 2025-07-01's regular session, 09:30-16:00 EDT = 13:30-20:00 UTC: 390 minutes. */
const JULY_1 = { from: ms('2025-07-01T13:30:00Z'), to: ms('2025-07-01T20:00:00Z') };
const inRange = (r: { from: number; to: number }) => minute.filter((b) => b.timestamp.getTime() >= r.from && b.timestamp.getTime() < r.to);
const FAST: Pick<ReplayOptions, 'speed' | 'maxPauseMs'> = { speed: 60_000, maxPauseMs: 5 }; // ~1 ms a minute

let db: TestDatabase;
let fake: FakePolygon;
let bars: MarketDataRepository;
let ingestion: IngestionService;
let queue: JobQueue;
const holes: StreamHole[] = [];
const logLines: string[] = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

beforeAll(async () => {
  db = await createTestDatabase();
  bars = new MarketDataRepository(db.pool);
  fake = await startFakePolygon({ minuteBars: {}, apiKey: 'stream-key' });
  queue = new JobQueue(db.pool, { queues: jobQueues(loadConfig({})).filter((q) => q.name === JOB.ingestionRun), pollingIntervalSeconds: 0.5 });
  await queue.start();
  ingestion = new IngestionService({
    repository: new IngestionRepository(db.prisma, db.pool),
    marketData: bars,
    log,
    now: () => new Date('2026-02-10T15:00:00Z'),
    settings: {
      polygon: { apiKey: 'stream-key', baseUrl: fake.url, plan: 'developer', requestsPerSecond: 99, pacing: 'off', maxRetries: 1 },
      refresh: { tickers: [], timeframes: [], cron: [] },
    },
    enqueueRun: async (job) => void (await queue.send(JOB.ingestionRun, job)),
  });
});
/** Every stream a test started: stopped at the end even when its test failed half-way. */
const started: PolygonStream[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  await queue.stop(1000);
  await fake.close();
  await db.drop();
});

/** Serves the SPY reference minutes under `ticker`, so each test has its own series. */
function serve(ticker: string): string {
  fake.setMinuteBars(ticker, minute);
  return ticker;
}

function stream(ticker: string, overrides: Partial<StreamDeps> = {}, reconnect: BackoffOptions = { baseMs: 20, maxMs: 100 }): PolygonStream {
  const s = new PolygonStream({
    settings: { url: `${fake.url.replace(/^http/, 'ws')}/stocks`, apiKey: 'stream-key', tickers: [ticker], reconnect, takeoverPollMs: 50 },
    bars,
    lock: new IngestionRepository(db.prisma, db.pool),
    repair: async (hole) => {
      holes.push(hole);
      return ingestion.startStreamRepair(hole);
    },
    log,
    ...overrides,
  });
  started.push(s);
  return s;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out; log: ${logLines.slice(-25).join('')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const storedOf = async (ticker: string, r: { from: number; to: number }) => bars.getBarsInRange(ticker, '1m', new Date(r.from), new Date(r.to));
const asRows = (list: ReadonlyArray<{ timestamp: Date | number; open: number; high: number; low: number; close: number; volume: number }>) =>
  list.map((b) => [new Date(b.timestamp).toISOString(), b.open, b.high, b.low, b.close, b.volume]);

describe('Polygon stream from the fake socket', () => {
  it('stores every bar of the session exactly as the reference file has it', async () => {
    const ticker = serve('SPYS');
    const s = stream(ticker);
    s.start();
    await until(() => s.health().state === 'streaming');
    expect(s.health().role).toBe('holder');
    await fake.stream.replay({ tickers: [ticker], ...JULY_1, ...FAST });
    const expected = inRange(JULY_1);
    await until(() => s.health().barsStored === expected.length);
    await s.stop();
    expect(asRows(await storedOf(ticker, JULY_1))).toEqual(asRows(expected));
    // 2025-07-01 19:59 UTC is the last minute: its bar ends at 20:00.
    expect(s.health()).toMatchObject({ lastBarEnd: '2025-07-01T20:00:00.000Z', reconnects: 0, eventsSkipped: 0, repairsQueued: 0 });
    expect(s.health().lagSeconds).toBeGreaterThan(0);
  });

  it('logs and skips a malformed frame and a malformed event, and keeps the connection', async () => {
    const ticker = serve('SPYM');
    const s = stream(ticker);
    s.start();
    await until(() => s.health().state === 'streaming');
    const range = { from: JULY_1.from, to: JULY_1.from + 20 * 60_000 };
    await fake.stream.replay({
      tickers: [ticker],
      ...range,
      ...FAST,
      script: {
        3: { type: 'raw', frame: '{"ev":"AM","sym":' },
        5: { type: 'raw', frame: JSON.stringify([{ ev: 'AM', sym: ticker, o: 'x', h: 1, l: 1, c: 1, v: 1, s: JULY_1.from }]) },
      },
    });
    await until(() => s.health().barsStored === 20);
    await s.stop();
    expect(s.health()).toMatchObject({ barsStored: 20, eventsSkipped: 2, reconnects: 0 });
    expect(asRows(await storedOf(ticker, range))).toEqual(asRows(inRange(range)));
    const skipped = logLines.filter((l) => l.includes('stream frame skipped'));
    expect(skipped.some((l) => l.includes('not a JSON array'))).toBe(true);
    expect(skipped.some((l) => l.includes('AM event: o:'))).toBe(true);
  });

  it('reports an auth failure and retries with a doubling backoff until the key is accepted', async () => {
    const ticker = serve('SPYA');
    fake.stream.failNextAuths(3);
    const logStart = fake.stream.log.length;
    // random = 1: the full-jitter waits are exactly 80, 160, 320 ms.
    const s = stream(ticker, {}, { baseMs: 80, maxMs: 1000, random: () => 1 });
    s.start();
    await until(() => s.health().lastError?.startsWith('auth_failed') === true);
    await until(() => s.health().state === 'streaming');
    await s.stop();
    const entries = fake.stream.log.slice(logStart);
    expect(entries.filter((e) => e.type.startsWith('auth')).map((e) => e.type)).toEqual(['auth_failed', 'auth_failed', 'auth_failed', 'auth_success']);
    const connects = entries.filter((e) => e.type === 'connect').map((e) => e.at);
    const waits = connects.slice(1).map((t, i) => t - connects[i]!);
    expect(waits).toHaveLength(3);
    expect(waits[0]).toBeGreaterThanOrEqual(80);
    expect(waits[1]).toBeGreaterThanOrEqual(160);
    expect(waits[2]).toBeGreaterThanOrEqual(320);
    expect(s.health().reconnects).toBe(3);
    expect(logLines.some((l) => l.includes('Polygon refused the API key'))).toBe(true);
  });
});

describe('holes', () => {
  const validate = (ticker: string) => ingestion.validate({ ticker, timeframe: '1m', from: '2025-07-01', to: '2025-07-01', extended: true });

  let working = false;
  /** From now on queued repairs run (a pg-boss worker, as in server/jobs/workers.ts). */
  async function repairRuns(): Promise<void> {
    if (working) return;
    working = true;
    await queue.work<IngestionJob>(JOB.ingestionRun, async (job, { signal }) => void (await ingestion.runJob(job, signal)));
  }

  it('a disconnect mid-session leaves a hole that the queued REST backfill job repairs', async () => {
    const ticker = serve('SPYD');
    const s = stream(ticker);
    s.start();
    await until(() => s.health().state === 'streaming');
    // Minute 100 (11:10 EDT): the connection drops and the server refuses connections for 30 minutes.
    await fake.stream.replay({ tickers: [ticker], ...JULY_1, ...FAST, script: { 100: { type: 'disconnect', outageMinutes: 30 } } });
    const expected = inRange(JULY_1);
    await until(() => s.health().repairsQueued === 1 && s.health().barsStored > 300);
    await s.stop();
    const hole = holes.find((h) => h.ticker === ticker)!;
    // The hole starts at the last bar before the drop (minute 99, 11:09 EDT = 15:09 UTC).
    expect(hole.lastBefore.toISOString()).toBe(expected[99]!.timestamp.toISOString());
    const missed = expected.filter((b) => b.timestamp > hole.lastBefore && b.timestamp < hole.firstAfter);
    expect(missed.length).toBeGreaterThanOrEqual(30);
    expect(s.health().barsStored).toBe(expected.length - missed.length);

    // The judge, before the repair: one outage covering the missed minutes.
    const before = await validate(ticker);
    expect(before.outages).toHaveLength(1);
    expect(before.outages[0]).toMatchObject({ segment: 'regular', start: missed[0]!.timestamp.toISOString(), end: hole.firstAfter.toISOString() });

    await repairRuns();
    await until(async () => (await ingestion.listRuns({ limit: 10 })).runs.some((r) => r.tickers.includes(ticker) && r.status !== 'RUNNING'));
    const after = await validate(ticker);
    expect(after.outages).toEqual([]);
    expect(asRows(await storedOf(ticker, JULY_1))).toEqual(asRows(expected));
  });

  it('another instance takes the stream over when the holder dies, and repairs from the newest stored bar', async () => {
    const ticker = serve('SPYT');
    // The holder's lock connection comes from a pool of its own, so the test can kill it.
    const holderPool = new pg.Pool({ connectionString: db.url, max: 2, application_name: 'stream-holder' });
    const a = stream(ticker, { lock: new IngestionRepository(db.prisma, holderPool) });
    const b = stream(ticker);
    a.start();
    await until(() => a.health().state === 'streaming');
    b.start();
    await until(() => b.health().role === 'standby');
    const replay = fake.stream.replay({ tickers: [ticker], ...JULY_1, speed: 6_000, maxPauseMs: 20 }); // 10 ms a minute
    await until(() => a.health().barsStored >= 50);
    // The holder "dies": PostgreSQL ends its session, which releases the advisory lock, and it opens no
    // new one (its pool is closed; otherwise it would win the lock straight back). The feed drops for
    // 5 minutes too, so the hole is certain whatever the phase of the standby's lock polling.
    const holderGone = holderPool.end();
    await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stream-holder'`);
    fake.stream.inject({ type: 'disconnect', outageMinutes: 5 });
    await until(() => b.health().role === 'holder' && b.health().state === 'streaming');
    await replay;
    await until(() => b.health().repairsQueued === 1);
    expect(a.health()).toMatchObject({ role: 'standby', state: 'standby' });
    await Promise.all([a.stop(), b.stop(), holderGone]);

    const expected = inRange(JULY_1);
    const hole = holes.find((h) => h.ticker === ticker)!;
    expect(hole.firstAfter.getTime() - hole.lastBefore.getTime()).toBeGreaterThan(60_000);
    expect(a.health().barsStored + b.health().barsStored).toBeLessThan(expected.length);
    await repairRuns();
    await until(async () => (await ingestion.listRuns({ limit: 10 })).runs.some((r) => r.tickers.includes(ticker) && r.status !== 'RUNNING'));
    expect((await validate(ticker)).outages).toEqual([]);
    expect(asRows(await storedOf(ticker, JULY_1))).toEqual(asRows(expected));
  });
});
