import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRepository } from '../events/repository';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { IngestionRepository, type NewRun } from './repository';

let db: TestDatabase;
let repo: IngestionRepository;

const RUN: NewRun = { kind: 'backfill', tickers: ['SPY'], timeframes: ['1m'], fromDate: new Date('2025-01-01T05:00:00Z'), toDate: new Date('2025-03-01T05:00:00Z'), windowsTotal: 2 };
const JAN = { ticker: 'SPY', timeframe: '1m' as const, start: new Date('2025-01-01T05:00:00Z'), end: new Date('2025-02-01T05:00:00Z') };
const FEB = { ticker: 'SPY', timeframe: '1m' as const, start: new Date('2025-02-01T05:00:00Z'), end: new Date('2025-03-01T05:00:00Z') };

beforeAll(async () => {
  db = await createTestDatabase();
  repo = new IngestionRepository(db.prisma, db.pool);
});
afterAll(() => db.drop());

describe('IngestionRepository', () => {
  it('records windows and run progress together', async () => {
    const run = await repo.createRun(RUN);
    const log = await repo.startWindow({ runId: run.id, ...JAN });
    await repo.completeWindow(log, run.id, { status: 'SUCCESS', rowsIngested: 100, attempts: 2, errorMessage: null }, { windowsDone: 1, bars: 100, retries: 1 });
    expect(await repo.getRun(run.id)).toMatchObject({ status: 'RUNNING', windowsDone: 1, windowsFailed: 0, bars: 100, retries: 1 });
    const finished = await repo.finishRun(run.id, 'SUCCESS', null);
    expect(finished.finishedAt).toBeInstanceOf(Date);
    const { items } = await repo.listLogs({ runId: run.id, limit: 10 });
    expect(items).toEqual([expect.objectContaining({ status: 'SUCCESS', rowsIngested: 100, attempts: 2, completedAt: expect.any(Date) })]);
  });

  it('counts a SUCCESS window as done only when it was fetched after it ended', async () => {
    const run = await repo.createRun({ ...RUN, tickers: ['QQQ'] });
    const past = await repo.startWindow({ runId: run.id, ...JAN, ticker: 'QQQ' });
    await repo.completeWindow(past, run.id, { status: 'SUCCESS', rowsIngested: 1, attempts: 1, errorMessage: null }, {});
    const future = { ticker: 'QQQ', timeframe: '1m' as const, start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 86_400_000) };
    const open = await repo.startWindow({ runId: run.id, ...future });
    await repo.completeWindow(open, run.id, { status: 'SUCCESS', rowsIngested: 1, attempts: 1, errorMessage: null }, {});
    const failed = await repo.startWindow({ runId: run.id, ...FEB, ticker: 'QQQ' });
    await repo.completeWindow(failed, run.id, { status: 'FAILED', rowsIngested: 0, attempts: 6, errorMessage: 'HTTP 503' }, {});
    const done = await repo.completedRanges('QQQ', '1m', JAN.start, new Date(Date.now() + 10 * 86_400_000));
    expect(done).toEqual([{ start: JAN.start, end: JAN.end }]);
  });

  it('closes runs without heartbeat, and their open windows, as abandoned', async () => {
    const dead = await repo.createRun({ ...RUN, tickers: ['IWM'] });
    const alive = await repo.createRun({ ...RUN, tickers: ['IWM'] });
    await repo.startWindow({ runId: dead.id, ...JAN, ticker: 'IWM' });
    await db.pool.query(`UPDATE ingestion_runs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, [dead.id]);
    expect(await repo.reapStaleRuns(60_000)).toBe(1);
    const reaped = (await repo.getRun(dead.id))!;
    expect(reaped.status).toBe('FAILED');
    expect(reaped.error).toMatch(/^abandoned: no heartbeat since \d{4}-\d{2}-\d{2}T/);
    expect(reaped.finishedAt).toEqual(reaped.heartbeatAt);
    expect((await repo.listLogs({ runId: dead.id, limit: 5 })).items).toEqual([
      expect.objectContaining({ status: 'FAILED', errorMessage: 'abandoned: the run stopped without finishing this window' }),
    ]);
    expect((await repo.getRun(alive.id))!.status).toBe('RUNNING');
  });

  it('publishes ingestion.failed, one event per ticker, when a run ends FAILED or is reaped, and not otherwise', async () => {
    const events = new EventRepository(db.pool);
    const since = await events.latestId();
    const ok = await repo.createRun({ ...RUN, tickers: ['SPY'] });
    await repo.finishRun(ok.id, 'SUCCESS', null);
    const failed = await repo.createRun({ ...RUN, tickers: ['SPY', 'QQQ'] });
    const finished = await repo.finishRun(failed.id, 'FAILED', 'polygon said 403');
    expect(finished).toMatchObject({ id: failed.id, status: 'FAILED', error: 'polygon said 403', finishedAt: expect.any(Date) });
    const stale = await repo.createRun({ ...RUN, tickers: ['DIA'] });
    await db.pool.query(`UPDATE ingestion_runs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, [stale.id]);
    expect(await repo.reapStaleRuns(60_000)).toBe(1);

    const published = await events.after(since, { topics: ['ingestion'] });
    expect(published.map((e) => [e.name, e.ticker, e.payload.runId])).toEqual([
      ['ingestion.failed', 'SPY', failed.id],
      ['ingestion.failed', 'QQQ', failed.id],
      ['ingestion.failed', 'DIA', stale.id],
    ]);
    expect(published[0]!.payload).toEqual({ runId: failed.id, kind: 'backfill', timeframes: ['1m'], error: 'polygon said 403' });
    expect(published[2]!.payload.error).toMatch(/^abandoned: no heartbeat since/);
  });

  it('closes open windows of a series left by other runs (under the series lock)', async () => {
    const old = await repo.createRun({ ...RUN, tickers: ['DIA'] });
    const current = await repo.createRun({ ...RUN, tickers: ['DIA'] });
    await repo.startWindow({ runId: old.id, ...JAN, ticker: 'DIA' });
    const mine = await repo.startWindow({ runId: current.id, ...FEB, ticker: 'DIA' });
    expect(await repo.abandonOpenWindows('DIA', '1m', current.id)).toBe(1);
    const logs = (await repo.listLogs({ ticker: 'DIA', limit: 5 })).items;
    expect(logs.find((l) => l.id === mine)!.status).toBe('RUNNING');
    expect(logs.find((l) => l.id !== mine)!.status).toBe('FAILED');
  });

  it('filters and pages logs by time range', async () => {
    const jan = await repo.listLogs({ ticker: 'QQQ', to: FEB.start, limit: 10 });
    expect(jan.items.map((l) => l.fromDate)).toEqual([JAN.start]);
    const first = await repo.listLogs({ ticker: 'QQQ', limit: 2 });
    const rest = await repo.listLogs({ ticker: 'QQQ', limit: 2, cursor: first.nextCursor! });
    expect(first.items).toHaveLength(2);
    expect(rest).toMatchObject({ items: [expect.anything()], nextCursor: null });
  });

  it('advisory locks: skip when held, wait until free, give up when aborted', async () => {
    let release!: () => void;
    const held = repo.withAdvisoryLock('k1', 'skip', () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    expect(await repo.withAdvisoryLock('k1', 'skip', async () => 'x')).toEqual({ acquired: false });
    expect(await repo.withAdvisoryLock('k2', 'skip', async () => 'y')).toEqual({ acquired: true, value: 'y' });

    let waited = false;
    const waiting = repo.withAdvisoryLock('k1', 'wait', async () => 'after', { pollMs: 20, onWait: () => (waited = true) });
    const controller = new AbortController();
    const aborted = repo.withAdvisoryLock('k1', 'wait', async () => 'never', { pollMs: 20, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 60));
    controller.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    release();
    await held;
    expect(await waiting).toEqual({ acquired: true, value: 'after' });
    expect(waited).toBe(true);
  });

  it('tells the holder when the lock connection dies', async () => {
    const result = await repo.withAdvisoryLock('k3', 'skip', async (lost) => {
      await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = hashtext('k3')::oid AND granted`);
      await new Promise((r) => setTimeout(r, 200));
      return lost.aborted;
    });
    expect(result).toEqual({ acquired: true, value: true });
    // The pool still works (the broken connection was not returned to it).
    expect(await repo.withAdvisoryLock('k3', 'skip', async () => 1)).toEqual({ acquired: true, value: 1 });
  });
});
