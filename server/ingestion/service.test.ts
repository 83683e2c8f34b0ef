// End to end over real HTTP (fake Polygon) into a real PostgreSQL: backfill, resume, faults, logs,
// gap validation of what was stored.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MarketDataRepository } from '../market-data/repository';
import type { Timeframe } from '../market-data/schema';
import { sessionsBetween, simulateMinuteBars, DEMO_TICKERS } from '../demo/market-simulator';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { ingestionServiceFor } from '../testing/ingestion';
import { metricValue } from '../testing/metrics';
import { formatNy, nyWallTimeToUtc } from './calendar';
import { startFakePolygon, type FakePolygon, type FakeBarInput } from '../../tooling/fake-polygon/server';
import { loadSpyDailyBars, loadSpyMinuteBars } from '../../tooling/reference/reference-csv';
import type { ProgressEvent } from './runner';
import { IngestionService, type IngestionServiceDeps } from './service';

const minute = loadSpyMinuteBars();
const daily = loadSpyDailyBars();
/** Six months of regular-session minutes: six 1m windows. */
const synthetic = simulateMinuteBars(DEMO_TICKERS[0]!, sessionsBetween('2025-01-01', '2025-06-30'), 7);

let db: TestDatabase;
let fake: FakePolygon;
let bars: MarketDataRepository;

beforeAll(async () => {
  db = await createTestDatabase();
  bars = new MarketDataRepository(db.pool);
  // A page cap below a window's size keeps next_url paging in every minute window.
  fake = await startFakePolygon({ minuteBars: { SPY: minute }, dailyBars: { SPY: daily }, apiKey: 'test-key', maxLimit: 20_000 });
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});
beforeEach(() => fake.setFaults());

const service = (overrides: Partial<IngestionServiceDeps> = {}) =>
  ingestionServiceFor(db, fake.url, { polygon: { backoff: { baseMs: 5, maxMs: 20 } }, deps: { marketData: bars, ...overrides } });

/** Serves `input` under a fresh ticker so tests do not share stored series. */
function serve(ticker: string, input: readonly FakeBarInput[], timeframe: 'minute' | 'daily' = 'minute'): string {
  if (timeframe === 'minute') fake.setMinuteBars(ticker, input);
  else fake.setDailyBars(ticker, input);
  return ticker;
}

async function stored(ticker: string, timeframe: Timeframe) {
  return bars.getBarsInRange(ticker, timeframe, new Date('2000-01-01'), new Date('2100-01-01'));
}

const logsOf = async (s: IngestionService, runId: string) => (await s.listLogs({ runId, limit: 1000 })).logs.sort((a, b) => a.fromDate.getTime() - b.fromDate.getTime());

describe('backfill of the real SPY minute file', () => {
  let runId: string;

  it('stores exactly the file: count, values, UTC bar starts', async () => {
    const summary = await service().runBackfill({ tickers: ['SPY'], timeframes: ['1m'], from: '2025-07-01', to: '2025-07-07' });
    runId = summary.runId;
    expect(summary).toMatchObject({ status: 'SUCCESS', bars: minute.length, inserted: minute.length, rejected: 0, error: null });
    expect(summary.windows).toEqual({ total: 1, succeeded: 1, skipped: 0, partial: 0, failed: 0 });
    const rows = await stored('SPY', '1m');
    expect(rows).toHaveLength(3659);
    expect(rows.map((b) => [new Date(b.timestamp).toISOString(), b.open, b.high, b.low, b.close, b.volume])).toEqual(
      minute.map((b) => [b.timestamp.toISOString(), b.open, b.high, b.low, b.close, b.volume]),
    );
    expect(new Date(rows[0]!.timestamp).toISOString()).toBe('2025-07-01T08:00:00.000Z'); // 04:00 EDT
  });

  it('validates: no outage, the 2025-07-03 early close, no session on the July 4 holiday', async () => {
    const report = await service().validate({ ticker: 'SPY', timeframe: '1m', from: '2025-07-01', to: '2025-07-07' });
    expect(report.ok).toBe(true);
    expect(report.outages).toEqual([]);
    expect(report.missingSessions).toEqual([]);
    expect(report.sessions.map((s) => [s.date, s.expected, s.present, s.earlyClose])).toEqual([
      ['2025-07-01', 390, 390, false],
      ['2025-07-02', 390, 390, false],
      ['2025-07-03', 210, 210, true],
      ['2025-07-07', 390, 390, false],
    ]);
    expect(report.totals.duplicates).toBe(0);
  });

  it('logs the run and its window truthfully, with progress', async () => {
    const s = service();
    const run = (await s.getRun(runId))!;
    expect(run).toMatchObject({ kind: 'backfill', status: 'SUCCESS', windowsTotal: 1, windowsDone: 1, windowsFailed: 0, bars: 3659, retries: 0, error: null });
    expect(run.progress).toMatchObject({ windowsFinished: 1, percent: 100, etaSeconds: null, stale: false });
    const [log] = await logsOf(s, runId);
    expect(log).toMatchObject({ ticker: 'SPY', timeframe: '1m', status: 'SUCCESS', rowsIngested: 3659, attempts: 1, errorMessage: null, source: 'polygon' });
    expect(log!.fromDate.toISOString()).toBe('2025-07-01T04:00:00.000Z');
    expect(log!.toDate.toISOString()).toBe('2025-07-08T04:00:00.000Z');
    const { rows } = await db.pool.query(`SELECT source, count(*)::int AS bars FROM market_data WHERE ticker = 'SPY' AND timeframe = '1m' GROUP BY source`);
    expect(rows).toEqual([{ source: 'polygon', bars: 3659 }]);
  });

  it('changes nothing when run again: completed windows are skipped, forced ones come back unchanged', async () => {
    const s = service();
    const again = await s.runBackfill({ tickers: ['SPY'], timeframes: ['1m'], from: '2025-07-01', to: '2025-07-07' });
    expect(again).toMatchObject({ status: 'SUCCESS', requests: 0, bars: 0, windows: { total: 1, skipped: 1, succeeded: 0 } });
    const forced = await s.runBackfill({ tickers: ['SPY'], timeframes: ['1m'], from: '2025-07-01', to: '2025-07-07', force: true });
    expect(forced).toMatchObject({ status: 'SUCCESS', inserted: 0, updated: 0, unchanged: 3659 });
    expect(await stored('SPY', '1m')).toHaveLength(3659);
  });

  it('reports a 20-minute block missing from the served file exactly', async () => {
    const from = nyWallTimeToUtc('2025-07-02', '10:00').getTime();
    const to = nyWallTimeToUtc('2025-07-02', '10:20').getTime();
    const ticker = serve('SPYGAP', minute.filter((b) => b.timestamp.getTime() < from || b.timestamp.getTime() >= to));
    const s = service();
    expect((await s.runBackfill({ tickers: [ticker], timeframes: ['1m'], from: '2025-07-01', to: '2025-07-07' })).bars).toBe(3659 - 20);
    const report = await s.validate({ ticker, timeframe: '1m', from: '2025-07-01', to: '2025-07-07' });
    expect(report.ok).toBe(false);
    expect(report.outages).toEqual([
      expect.objectContaining({ date: '2025-07-02', segment: 'regular', startLocal: '2025-07-02 10:00', endLocal: '2025-07-02 10:20', minutes: 20, bars: 20 }),
    ]);
    expect(report.missingSessions).toEqual([]);
  });
});

describe('backfill of the real SPY daily file', () => {
  it('lands every bar on its session date and validates against the calendar (2025-01-09 closed)', async () => {
    const s = service();
    const summary = await s.runBackfill({ tickers: ['SPY'], timeframes: ['1d'], from: '2023-01-03', to: '2026-02-09' });
    expect(summary).toMatchObject({ status: 'SUCCESS', bars: 778, windows: { total: 4, succeeded: 4 } });
    const rows = await stored('SPY', '1d');
    expect(rows.map((b) => [new Date(b.timestamp).toISOString(), b.open, b.close])).toEqual(daily.map((b) => [b.timestamp.toISOString(), b.open, b.close]));
    expect(rows.map((b) => new Date(b.timestamp).toISOString())).toContain('2025-01-08T05:00:00.000Z'); // midnight EST
    const report = await s.validate({ ticker: 'SPY', timeframe: '1d', from: '2023-01-03', to: '2026-02-09' });
    expect(report.missingSessions).toEqual([]);
    expect(report.sessions).toHaveLength(778);
    expect(report.sessions.some((r) => r.date === '2025-01-09')).toBe(false);
    expect(report.ok).toBe(true);
    // The known bad 2026-02-02 low is kept (it breaks no invariant) and flagged.
    expect(report.anomalies.map((a) => [a.local.slice(0, 10), a.kind])).toContainEqual(['2026-02-02', 'wick']);
  });
});

describe('faults', () => {
  it('retries 429 (Retry-After) and 500 and still stores everything; the log counts the attempts', async () => {
    const ticker = serve('SPYF', minute);
    fake.setFaults({ byRequest: { 1: { type: 'status', status: 429, retryAfterSeconds: 1 }, 2: { type: 'status', status: 500 }, 3: { type: 'reset' } } });
    const s = service();
    const started = performance.now();
    const summary = await s.runBackfill({ tickers: [ticker], timeframes: ['1m'], from: '2025-07-01', to: '2025-07-07' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(summary).toMatchObject({ status: 'SUCCESS', bars: 3659, retries: 3 });
    expect(await stored(ticker, '1m')).toHaveLength(3659);
    const [log] = await logsOf(s, summary.runId);
    expect(log).toMatchObject({ status: 'SUCCESS', attempts: 4, rowsIngested: 3659 });
    expect((await s.getRun(summary.runId))!.retries).toBe(3);
  });

  it('logs a window that exhausts its retries as FAILED, goes on, and ends PARTIAL', async () => {
    const ticker = serve('SPYX', daily, 'daily');
    // maxRetries 3: requests 1-4 are the first window's four attempts.
    const down = { type: 'status', status: 503 } as const;
    fake.setFaults({ byRequest: { 1: down, 2: down, 3: down, 4: down } });
    const s = service();
    const summary = await s.runBackfill({ tickers: [ticker], timeframes: ['1d'], from: '2024-06-01', to: '2025-06-30' });
    expect(summary).toMatchObject({ status: 'PARTIAL', windows: { total: 2, succeeded: 1, failed: 1 }, retries: 3 });
    expect(summary.failures).toEqual([expect.objectContaining({ firstDate: '2024-06-01', lastDate: '2024-12-31', status: 'FAILED', error: expect.stringContaining('HTTP 503') })]);
    const logs = await logsOf(s, summary.runId);
    expect(logs.map((l) => [l.status, l.attempts, l.rowsIngested])).toEqual([
      ['FAILED', 4, 0],
      ['SUCCESS', 1, daily.filter((b) => b.timestamp >= new Date('2025-01-01') && b.timestamp < new Date('2025-07-01')).length],
    ]);
    expect(logs[0]!.errorMessage).toBe('HTTP 503: 503 Service Temporarily Unavailable (gave up after 4 attempts)');
    expect(await s.getRun(summary.runId)).toMatchObject({ status: 'PARTIAL', windowsDone: 1, windowsFailed: 1, error: '1 window(s) failed, 0 partial' });

    // The failed window is redone by the next run; the completed one is skipped.
    const again = await s.runBackfill({ tickers: [ticker], timeframes: ['1d'], from: '2024-06-01', to: '2025-06-30' });
    expect(again).toMatchObject({ status: 'SUCCESS', windows: { succeeded: 1, skipped: 1 }, requests: 1 });
  });

  it('logs rows that fail validation: the window is PARTIAL with the reasons, the valid rows are stored', async () => {
    const bad = minute.map((b) => ({ ...b }));
    bad[100]!.high = bad[100]!.low - 0.5;
    bad[200]!.volume = -1;
    const ticker = serve('SPYBAD', bad);
    const s = service();
    const summary = await s.runBackfill({ tickers: [ticker], timeframes: ['1m'], from: '2025-07-01', to: '2025-07-07' });
    expect(summary).toMatchObject({ status: 'PARTIAL', bars: 3657, rejected: 2, windows: { partial: 1 } });
    const [log] = await logsOf(s, summary.runId);
    expect(log).toMatchObject({
      status: 'PARTIAL',
      rowsIngested: 3657,
      errorMessage: `2 row(s) rejected: ${formatNy(bad[100]!.timestamp)} high: high is below low; ${formatNy(bad[200]!.timestamp)} volume: volume must be a finite number >= 0`,
    });
    expect(await stored(ticker, '1m')).toHaveLength(3657);
  });

  it('stores a row the API repeats once and says so', async () => {
    const row = (t: number) => ({ v: 100, vw: 600, o: 600, c: 600, h: 601, l: 599, t, n: 3 });
    const t = nyWallTimeToUtc('2025-07-01', '09:30').getTime();
    const results = [row(t), row(t + 60_000), row(t + 60_000)];
    fake.setFaults({ byRequest: { 1: { type: 'status', status: 200, body: { ticker: 'SPYDUP', queryCount: 3, resultsCount: 3, adjusted: true, results, status: 'OK', request_id: 'x', count: 3 } } } });
    const s = service();
    const summary = await s.runBackfill({ tickers: ['SPYDUP'], timeframes: ['1m'], from: '2025-07-01', to: '2025-07-07' });
    expect(summary).toMatchObject({ status: 'PARTIAL', bars: 2, rejected: 1 });
    expect(summary.failures[0]!.error).toBe('1 row(s) rejected: 2025-07-01 09:31 duplicate timestamp');
  });

  it('stops the run on a refused key (FAILED, nothing else attempted)', async () => {
    const s = service({ settings: { ...service().settings, polygon: { ...service().settings.polygon, apiKey: 'not-the-key' } } });
    const summary = await s.runBackfill({ tickers: ['SPY', 'QQQ'], timeframes: ['1d'], from: '2024-06-01', to: '2025-06-30' });
    expect(summary).toMatchObject({ status: 'FAILED', requests: 1, windows: { total: 4, failed: 1 } });
    expect(summary.error).toMatch(/^HTTP 401/);
    expect(await logsOf(s, summary.runId)).toHaveLength(1);
  });
});

describe('metrics', () => {
  it('counts the bars stored per series, the windows by final status and the run by its result', async () => {
    const ticker = serve('SPYM', daily, 'daily');
    const down = { type: 'status', status: 503 } as const;
    fake.setFaults({ byRequest: { 1: down, 2: down, 3: down, 4: down } }); // the first window fails
    const counters = () =>
      Promise.all([
        metricValue('quantbase_ingested_bars_total', { ticker, timeframe: '1d' }),
        metricValue('quantbase_ingestion_windows_total', { status: 'SUCCESS' }),
        metricValue('quantbase_ingestion_windows_total', { status: 'FAILED' }),
        metricValue('quantbase_job_runs_total', { job: 'ingestion_backfill', result: 'partial' }),
        metricValue('quantbase_job_runs_total', { job: 'ingestion_backfill', result: 'success' }),
      ]);
    const before = await counters();
    const partial = await service().runBackfill({ tickers: [ticker], timeframes: ['1d'], from: '2024-06-01', to: '2025-06-30' });
    expect(partial).toMatchObject({ status: 'PARTIAL', windows: { succeeded: 1, failed: 1 } });
    expect(partial.bars).toBeGreaterThan(100);
    const afterPartial = await counters();
    expect(afterPartial.map((v, i) => v - before[i]!)).toEqual([partial.bars, 1, 1, 1, 0]);

    const redo = await service().runBackfill({ tickers: [ticker], timeframes: ['1d'], from: '2024-06-01', to: '2025-06-30' });
    expect(redo).toMatchObject({ status: 'SUCCESS', windows: { succeeded: 1, skipped: 1 } });
    expect((await counters()).map((v, i) => v - afterPartial[i]!)).toEqual([redo.bars, 1, 0, 0, 1]);
  });
});

describe('resume', () => {
  const expectedBars = synthetic.length;

  it('continues an interrupted run from the first window not completed: no duplicates, no holes', async () => {
    const ticker = serve('SPYR', synthetic);
    const s = service();
    const controller = new AbortController();
    let windowsSeen = 0;
    const onProgress = (e: ProgressEvent) => {
      if (e.type === 'window' && ++windowsSeen === 2) controller.abort(new Error('simulated crash'));
    };
    const first = await s.runBackfill({ tickers: [ticker], timeframes: ['1m'], from: '2025-01-01', to: '2025-06-30' }, { signal: controller.signal, onProgress });
    expect(first.status).toBe('FAILED');
    expect(first.error).toBe('aborted: simulated crash');
    const firstLogs = await logsOf(s, first.runId);
    const done = firstLogs.filter((l) => l.status === 'SUCCESS').length;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(6);
    // Whatever was in flight is closed as aborted, never left RUNNING.
    expect(firstLogs.filter((l) => l.status !== 'SUCCESS').every((l) => l.status === 'FAILED' && l.errorMessage?.startsWith('aborted'))).toBe(true);
    expect(await s.getRun(first.runId)).toMatchObject({ status: 'FAILED', windowsTotal: 6 });

    const requestsBefore = fake.requests.length;
    const second = await s.runBackfill({ tickers: [ticker], timeframes: ['1m'], from: '2025-01-01', to: '2025-06-30' });
    expect(second).toMatchObject({ status: 'SUCCESS', windows: { total: 6, skipped: done, succeeded: 6 - done } });
    // Only the missing months were requested again.
    expect(fake.requests.slice(requestsBefore).filter((r) => r.ticker === ticker)).toHaveLength(6 - done);

    const rows = await stored(ticker, '1m');
    expect(rows).toHaveLength(expectedBars);
    const report = await s.validate({ ticker, timeframe: '1m', from: '2025-01-01', to: '2025-06-30' });
    expect(report).toMatchObject({ ok: true, outages: [], missingSessions: [] });
    expect(report.totals).toMatchObject({ duplicates: 0, missing: 0 });
  });

  it('keeps two concurrent runs of one series apart (advisory lock): the second waits, then skips', async () => {
    const ticker = serve('SPYC', synthetic);
    fake.setFaults({ random: { seed: 3, probability: 1, actions: [{ type: 'delay', delayMs: 60 }] } });
    const s = service();
    const events: string[] = [];
    const track = (name: string) => (e: ProgressEvent) => events.push(`${name}:${e.type}`);
    const plan = { tickers: [ticker], timeframes: ['1m' as const], from: '2025-01-01', to: '2025-06-30' };
    const [a, b] = await Promise.all([s.runBackfill(plan, { onProgress: track('a') }), new Promise((r) => setTimeout(r, 30)).then(() => s.runBackfill(plan, { onProgress: track('b') }))]);
    expect(a).toMatchObject({ status: 'SUCCESS', windows: { succeeded: 6 } });
    expect(b).toMatchObject({ status: 'SUCCESS', windows: { skipped: 6 }, requests: 0 });
    // b waited for the lock and started only after every window of a was written.
    expect(events).toContain('b:lock-wait');
    expect(events.indexOf('b:series')).toBeGreaterThan(events.lastIndexOf('a:window'));
    expect(await stored(ticker, '1m')).toHaveLength(expectedBars);
  });
});

describe('hooks and refresh', () => {
  it('calls onBarsWritten once per changed series with the earliest changed bar', async () => {
    const ticker = serve('SPYH', minute);
    const calls: Array<[string, Timeframe, string]> = [];
    const s = service({ onBarsWritten: (t, tf, d) => void calls.push([t, tf, d.toISOString()]) });
    await s.runBackfill({ tickers: [ticker], timeframes: ['1m', '1h'], from: '2025-07-01', to: '2025-07-07' });
    expect(calls).toEqual([
      [ticker, '1m', '2025-07-01T08:00:00.000Z'],
      [ticker, '1h', '2025-07-01T08:00:00.000Z'],
    ]);
    await s.runBackfill({ tickers: [ticker], timeframes: ['1m'], from: '2025-07-01', to: '2025-07-07', force: true });
    expect(calls).toHaveLength(2); // nothing changed, nothing to recompute
  });

  it('refresh fetches from the newest stored bar to today and skips series held by another run', async () => {
    const ticker = serve('SPYN', minute);
    const s = service({ now: () => new Date('2025-07-07T16:00:00Z') });
    await s.runBackfill({ tickers: [ticker], timeframes: ['1m'], from: '2025-07-01', to: '2025-07-03' });
    const plan = await s.refreshPlan({ tickers: [ticker, 'NEWT'], timeframes: ['1m'] });
    expect(plan.series).toEqual([
      { ticker, timeframe: '1m', from: '2025-07-03', to: '2025-07-07' },
      { ticker: 'NEWT', timeframe: '1m', from: '2025-07-03', to: '2025-07-07' },
    ]);
    const summary = await s.refresh({ tickers: [ticker], timeframes: ['1m'] });
    expect(summary).toMatchObject({ kind: 'refresh', status: 'SUCCESS', inserted: 961 });
    expect(await stored(ticker, '1m')).toHaveLength(3659);

    // A refresh never queues behind a backfill: the busy series is dropped from the run.
    const busy = await s.repository.withAdvisoryLock(`ingest:${ticker}:1m`, 'skip', () => s.refresh({ tickers: [ticker], timeframes: ['1m'] }));
    expect(busy.acquired && busy.value).toMatchObject({ status: 'SUCCESS', requests: 0, windows: { total: 0 } });
    expect(await s.getRun(busy.acquired ? busy.value.runId : '')).toMatchObject({ windowsTotal: 0 });
  });
});
