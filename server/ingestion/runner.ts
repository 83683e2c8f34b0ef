// Executes one ingestion run (backfill or refresh): for every ticker/timeframe, under that series'
// advisory lock, fetch each window not yet completed (ascending), upsert its bars, and close its log
// row with what really happened.
import type { Logger } from '../logger';
import { InvalidBarError, type UpsertResult } from '../market-data/repository';
import { barViolations, type Bar, type Timeframe } from '../market-data/schema';
import { ingestedBars, ingestionWindows, jobRuns, type JobResult } from '../metrics';
import { describeRejected, PolygonRequestError, type BarSource, type FetchedWindow, type RejectedRow } from './polygon';
import type { FinalStatus, IngestionRepository, LockMode, RunKind } from './repository';
import { planWindows, type IngestionWindow } from './windows';

interface SeriesPlan {
  ticker: string;
  timeframe: Timeframe;
  /** First and last New York session dates, inclusive. */
  from: string;
  to: string;
}

export interface RunPlan {
  kind: RunKind;
  series: SeriesPlan[];
  /** Refetch windows even when an earlier run completed them. */
  force?: boolean;
}

/** Called once per series after bars changed, with the earliest bar that may have changed. */
export type BarsWrittenHook = (ticker: string, timeframe: Timeframe, earliestChanged: Date) => void | Promise<void>;

export type ProgressEvent =
  | { type: 'series'; ticker: string; timeframe: Timeframe; windows: number; skipped: number }
  | { type: 'lock-wait'; ticker: string; timeframe: Timeframe }
  | { type: 'retry'; ticker: string; timeframe: Timeframe; window: IngestionWindow; retry: number; delayMs: number; reason: string }
  | { type: 'window'; ticker: string; timeframe: Timeframe; window: IngestionWindow; status: FinalStatus; bars: number; retries: number; error: string | null };

interface WindowFailure {
  ticker: string;
  timeframe: Timeframe;
  firstDate: string;
  lastDate: string;
  status: FinalStatus;
  error: string;
}

export interface RunSummary {
  runId: string;
  kind: RunKind;
  status: FinalStatus;
  windows: { total: number; succeeded: number; skipped: number; partial: number; failed: number };
  /** Bars stored (inserted + updated + unchanged). */
  bars: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows Polygon sent that failed validation (their windows are PARTIAL). */
  rejected: number;
  requests: number;
  retries: number;
  seconds: number;
  failures: WindowFailure[];
  error: string | null;
}

export interface RunnerDeps {
  repository: IngestionRepository;
  bars: { upsertBars(bars: readonly Bar[]): Promise<UpsertResult> };
  source: BarSource;
  log: Logger;
  onBarsWritten?: BarsWrittenHook;
  /** Heartbeat period of a running run. Default 5 s. */
  heartbeatMs?: number;
  /** A RUNNING run without heartbeat for this long is dead. Default 60 s. */
  staleMs?: number;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** 'wait' (backfill) queues behind another run holding a series; 'skip' (refresh) drops it. */
  lockMode?: LockMode;
}

/** Every window of a plan, per series, in execution order. */
export function planRunWindows(plan: RunPlan): IngestionWindow[][] {
  return plan.series.map((s) => planWindows(s.ticker, s.timeframe, s.from, s.to));
}

/** Creates the run row (status RUNNING) so its id can be handed out before the work starts. */
export async function createRun(repository: IngestionRepository, plan: RunPlan) {
  const windows = planRunWindows(plan);
  const all = windows.flat();
  if (all.length === 0) throw new Error('The plan holds no window (is `from` after `to`?)');
  return repository.createRun({
    kind: plan.kind,
    tickers: [...new Set(plan.series.map((s) => s.ticker))],
    timeframes: [...new Set(plan.series.map((s) => s.timeframe))],
    fromDate: new Date(Math.min(...all.map((w) => w.start.getTime()))),
    toDate: new Date(Math.max(...all.map((w) => w.end.getTime()))),
    windowsTotal: all.length,
  });
}

/** Executes a run created by createRun with the same plan. Never throws: failures end in the summary. */
export function executeRun(deps: RunnerDeps, runId: string, plan: RunPlan, options: ExecuteOptions = {}): Promise<RunSummary> {
  return new Execution(deps, runId, plan, options).run();
}

/**
 * Windows are fetched one after the other, ascending, while up to this many earlier windows are
 * being written: HTTP and JSON work overlap PostgreSQL's COPY, and two COPYs keep two cores busy
 * in PostgreSQL (the COPY is the most expensive step per bar).
 */
const WRITERS = 2;

const RUN_RESULT: Record<FinalStatus, JobResult> = { SUCCESS: 'success', PARTIAL: 'partial', FAILED: 'failure' };

type Fetched = { logId: string | null; window: IngestionWindow } & ({ ok: true; data: FetchedWindow } | { ok: false; error: unknown });

/**
 * Upserts the bars that satisfy the stored-bar rules. The common case (all valid) is validated once,
 * inside upsertBars; only when it refuses the batch are the offending rows sorted out and added to
 * `rejected` with their reason. The stream (stream.ts) stores its bars through it too.
 */
export async function upsertValid(target: RunnerDeps['bars'], bars: Bar[], rejected: RejectedRow[]): Promise<{ result: UpsertResult; valid: Bar[] }> {
  try {
    return { result: await target.upsertBars(bars), valid: bars };
  } catch (error) {
    if (!(error instanceof InvalidBarError)) throw error;
  }
  const valid: Bar[] = [];
  const seen = new Set<number>();
  for (const bar of bars) {
    const t = bar.timestamp.getTime();
    const violation = barViolations(bar)[0];
    const reason = violation ? `${violation.field}: ${violation.message}` : seen.has(t) ? 'duplicate timestamp' : null;
    if (reason) rejected.push({ t, reason });
    else {
      seen.add(t);
      valid.push(bar);
    }
  }
  return { result: await target.upsertBars(valid), valid };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function covered(window: IngestionWindow, done: ReadonlyArray<{ start: Date; end: Date }>): boolean {
  return done.some((d) => d.start <= window.start && d.end >= window.end);
}

class Execution {
  private readonly startedAt = performance.now();
  private readonly summary: RunSummary;
  private fatal: string | null = null;
  /** Why an abort cut work short (unset when it only arrived after the last window). */
  private interruption: { reason: unknown } | null = null;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly runId: string,
    private readonly plan: RunPlan,
    private readonly options: ExecuteOptions,
  ) {
    this.summary = {
      runId,
      kind: plan.kind,
      status: 'FAILED',
      windows: { total: 0, succeeded: 0, skipped: 0, partial: 0, failed: 0 },
      bars: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      requests: 0,
      retries: 0,
      seconds: 0,
      failures: [],
      error: null,
    };
  }

  async run(): Promise<RunSummary> {
    const { repository, log } = this.deps;
    const heartbeat = setInterval(() => {
      repository.heartbeat(this.runId).catch((error: unknown) => log.warn({ err: error, runId: this.runId }, 'ingestion heartbeat failed'));
    }, this.deps.heartbeatMs ?? 5000);
    heartbeat.unref();
    try {
      await repository.reapStaleRuns(this.deps.staleMs ?? 60_000);
      const windows = planRunWindows(this.plan);
      this.summary.windows.total = windows.reduce((n, w) => n + w.length, 0);
      for (const [i, series] of this.plan.series.entries()) {
        if (this.fatal !== null) break;
        if (this.options.signal?.aborted) {
          this.interruption ??= { reason: this.options.signal.reason };
          break;
        }
        await this.runSeries(series, windows[i]!);
      }
    } catch (error) {
      this.summary.error = errorText(error);
    } finally {
      clearInterval(heartbeat);
    }
    return this.finish();
  }

  private emit(event: ProgressEvent): void {
    try {
      this.options.onProgress?.(event);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'ingestion progress listener failed');
    }
  }

  private async runSeries(series: SeriesPlan, windows: IngestionWindow[]): Promise<void> {
    const { repository } = this.deps;
    const { ticker, timeframe } = series;
    let earliestChanged: number | null = null;
    const locked = await repository.withAdvisoryLock(
      `ingest:${ticker}:${timeframe}`,
      this.options.lockMode ?? 'wait',
      async (lockLost) => {
        await repository.abandonOpenWindows(ticker, timeframe, this.runId);
        const done = this.plan.force ? [] : await repository.completedRanges(ticker, timeframe, windows[0]!.start, windows.at(-1)!.end);
        const todo = windows.filter((w) => !covered(w, done));
        const skipped = windows.length - todo.length;
        this.summary.windows.skipped += skipped;
        if (skipped > 0) await repository.addRunProgress(this.runId, { windowsDone: skipped });
        this.emit({ type: 'series', ticker, timeframe, windows: windows.length, skipped });

        const signal = this.options.signal ? AbortSignal.any([this.options.signal, lockLost]) : lockLost;
        const writing = new Set<Promise<void>>();
        let writeError: unknown;
        for (const window of todo) {
          if (signal.aborted) this.interruption ??= { reason: signal.reason };
          if (signal.aborted || this.fatal !== null || writeError !== undefined) break;
          const fetched = await this.fetch(window, signal);
          if (!fetched.ok && fetched.error instanceof PolygonRequestError && fetched.error.fatal) this.fatal = errorText(fetched.error);
          const write: Promise<void> = this.store(fetched, signal)
            .then(
              (changed) => {
                if (changed !== null) earliestChanged = Math.min(earliestChanged ?? changed, changed);
              },
              (error: unknown) => {
                writeError ??= error;
              },
            )
            .finally(() => writing.delete(write));
          writing.add(write);
          if (writing.size >= WRITERS) await Promise.race(writing);
        }
        await Promise.all(writing);
        if (writeError !== undefined) throw writeError;
      },
      { signal: this.options.signal, onWait: () => this.emit({ type: 'lock-wait', ticker, timeframe }) },
    );
    if (!locked.acquired) {
      // Another run holds the series right now and will bring it up to date itself.
      this.summary.windows.total -= windows.length;
      await repository.addRunProgress(this.runId, { windowsTotal: -windows.length });
      this.deps.log.info({ runId: this.runId, ticker, timeframe }, 'series busy in another run: skipped');
    }
    if (earliestChanged !== null) await this.notify(ticker, timeframe, new Date(earliestChanged));
  }

  /** Opens the window's log row and fetches it. Never rejects: the outcome is logged by store(). */
  private async fetch(window: IngestionWindow, signal: AbortSignal): Promise<Fetched> {
    const { ticker, timeframe } = window;
    let logId: string | null = null;
    try {
      logId = await this.deps.repository.startWindow({ runId: this.runId, ticker, timeframe, start: window.start, end: window.end });
      const data = await this.deps.source.fetchWindow(window, {
        signal,
        onRetry: (r) => this.emit({ type: 'retry', ticker, timeframe, window, ...r }),
      });
      return { logId, window, ok: true, data };
    } catch (error) {
      return { logId, window, ok: false, error };
    }
  }

  /** Writes a fetched window and closes its log row. Returns the first bar's time if bars changed. */
  private async store(fetched: Fetched, signal: AbortSignal): Promise<number | null> {
    const { window, logId } = fetched;
    if (logId === null) throw fetched.ok ? new Error('window log row missing') : fetched.error; // the database failed
    let status: FinalStatus;
    let error: string | null = null;
    let stored = 0;
    let retries: number;
    let changed: number | null = null;
    if (fetched.ok) {
      const { bars, rejected } = fetched.data;
      retries = fetched.data.retries;
      this.summary.requests += fetched.data.requests;
      try {
        const { result, valid } = await upsertValid(this.deps.bars, bars, rejected);
        stored = valid.length;
        this.summary.inserted += result.inserted;
        this.summary.updated += result.updated;
        this.summary.unchanged += result.unchanged;
        if (result.inserted + result.updated > 0) changed = valid[0]!.timestamp.getTime();
        this.summary.rejected += rejected.length;
        status = rejected.length > 0 ? 'PARTIAL' : 'SUCCESS';
        if (rejected.length > 0) error = describeRejected(rejected);
      } catch (e) {
        status = 'FAILED';
        error = `database: ${errorText(e)}`;
      }
    } else {
      status = 'FAILED';
      if (fetched.error instanceof PolygonRequestError) {
        retries = fetched.error.retries;
        this.summary.requests += fetched.error.requests;
      } else retries = 0;
      if (signal.aborted) this.interruption ??= { reason: signal.reason };
      error = signal.aborted ? `aborted: ${errorText(signal.reason)}` : errorText(fetched.error);
    }

    this.summary.bars += stored;
    this.summary.retries += retries;
    ingestionWindows.inc({ status });
    if (stored > 0) ingestedBars.inc({ ticker: window.ticker, timeframe: window.timeframe }, stored);
    if (status === 'SUCCESS') this.summary.windows.succeeded++;
    else {
      if (status === 'PARTIAL') this.summary.windows.partial++;
      else this.summary.windows.failed++;
      this.summary.failures.push({ ticker: window.ticker, timeframe: window.timeframe, firstDate: window.firstDate, lastDate: window.lastDate, status, error: error ?? '' });
    }
    await this.deps.repository.completeWindow(
      logId,
      this.runId,
      { status, rowsIngested: stored, attempts: 1 + retries, errorMessage: error },
      { windowsDone: status === 'SUCCESS' ? 1 : 0, windowsFailed: status === 'SUCCESS' ? 0 : 1, bars: stored, retries },
    );
    this.emit({ type: 'window', ticker: window.ticker, timeframe: window.timeframe, window, status, bars: stored, retries, error });
    return changed;
  }

  private async notify(ticker: string, timeframe: Timeframe, earliest: Date): Promise<void> {
    try {
      await this.deps.onBarsWritten?.(ticker, timeframe, earliest);
    } catch (error) {
      // The feature pipeline's trouble must not turn a good ingestion into a failed one.
      this.deps.log.error({ err: error, ticker, timeframe }, 'onBarsWritten hook failed');
    }
  }

  private async finish(): Promise<RunSummary> {
    const s = this.summary;
    const w = s.windows;
    if (this.interruption) s.error = `aborted: ${errorText(this.interruption.reason)}`;
    s.error ??= this.fatal;
    const problems = w.partial + w.failed;
    if (s.error !== null) s.status = 'FAILED';
    else if (problems === 0) s.status = 'SUCCESS';
    else s.status = w.succeeded + w.skipped + w.partial > 0 ? 'PARTIAL' : 'FAILED';
    s.seconds = (performance.now() - this.startedAt) / 1000;
    jobRuns.inc({ job: `ingestion_${s.kind}`, result: RUN_RESULT[s.status] });
    try {
      await this.deps.repository.finishRun(this.runId, s.status, s.error ?? (problems > 0 ? `${w.failed} window(s) failed, ${w.partial} partial` : null));
    } catch (error) {
      this.deps.log.error({ err: error, runId: this.runId }, 'could not record the end of an ingestion run');
    }
    return s;
  }
}
