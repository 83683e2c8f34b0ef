// Storage of ingestion runs (ingestion_runs: one row per backfill/refresh, with live progress) and
// their windows (data_ingestion_logs: one row per requested window), plus the PostgreSQL advisory
// locks that keep two runs - in any process or instance - off the same ticker/timeframe.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { DataIngestionLog, IngestionRun, IngestionStatus, Prisma, PrismaClient } from '../db/generated/client';
import { withTransaction } from '../db/transaction';
import { appendEventsInTransaction } from '../events/repository';
import type { NewEvent } from '../events/schema';
import type { Timeframe } from '../market-data/schema';
import { sleep } from './pacing';
import { POLYGON_SOURCE } from './polygon';

export type { DataIngestionLog, IngestionRun };
export type RunKind = 'backfill' | 'refresh';
export type FinalStatus = Exclude<IngestionStatus, 'RUNNING'>;

export interface NewRun {
  kind: RunKind;
  tickers: string[];
  timeframes: Timeframe[];
  fromDate: Date;
  toDate: Date;
  windowsTotal: number;
}

/** Increments applied to a run's counters (negative windowsTotal = series dropped from the run). */
export interface RunProgressDelta {
  windowsTotal?: number;
  windowsDone?: number;
  windowsFailed?: number;
  bars?: number;
  retries?: number;
}

export interface WindowOutcome {
  status: FinalStatus;
  rowsIngested: number;
  attempts: number;
  errorMessage: string | null;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface RunFilter {
  kind?: RunKind;
  status?: IngestionStatus;
  limit: number;
  cursor?: string;
}

export interface LogFilter {
  runId?: string;
  ticker?: string;
  timeframe?: Timeframe;
  status?: IngestionStatus;
  /** Windows ending after this instant. */
  from?: Date;
  /** Windows starting before this instant. */
  to?: Date;
  limit: number;
  cursor?: string;
}

export type LockMode = 'wait' | 'skip';

export interface LockOptions {
  signal?: AbortSignal;
  /** Poll interval while waiting for a held lock. Default 500 ms. */
  pollMs?: number;
  /** Called once when the lock is held elsewhere and we start waiting. */
  onWait?: () => void;
}

// First key of every (two-key) advisory lock taken here: this module's namespace, so other
// modules' locks on the same ticker/timeframe do not collide with ours.
const LOCK_NAMESPACE = 0x5142_0001;
const RUNS_NEWEST_FIRST = [{ startedAt: 'desc' as const }, { id: 'desc' as const }];
const LOGS_NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

interface FailedRun {
  id: string;
  kind: string;
  tickers: string[];
  timeframes: string[];
  error: string | null;
}

/** The change-feed events of a failed run: one per ticker, so subscribers can filter by ticker. */
function ingestionFailedEvents(run: FailedRun): NewEvent[] {
  return run.tickers.map((ticker) => ({
    topic: 'ingestion',
    name: 'ingestion.failed',
    ticker,
    payload: { runId: run.id, kind: run.kind, timeframes: run.timeframes, error: run.error },
  }));
}

// Counter increments of a run ($2..$6, see progressParams); every write also counts as a heartbeat.
const PROGRESS_SET =
  'windows_total = windows_total + $2, windows_done = windows_done + $3, windows_failed = windows_failed + $4, bars = bars + $5, retries = retries + $6, heartbeat_at = now()';

function progressParams(delta: RunProgressDelta): number[] {
  return [delta.windowsTotal ?? 0, delta.windowsDone ?? 0, delta.windowsFailed ?? 0, delta.bars ?? 0, delta.retries ?? 0];
}

async function paginate<T extends { id: string }>(
  find: (args: { take: number; cursor?: { id: string }; skip?: number }) => Promise<T[]>,
  limit: number,
  cursor?: string,
): Promise<Page<T>> {
  const rows = await find({ take: limit + 1, ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}) });
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export class IngestionRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
  ) {}

  createRun(run: NewRun): Promise<IngestionRun> {
    return this.prisma.ingestionRun.create({ data: { ...run, status: 'RUNNING' } });
  }

  getRun(id: string): Promise<IngestionRun | null> {
    return this.prisma.ingestionRun.findUnique({ where: { id } });
  }

  listRuns(filter: RunFilter): Promise<Page<IngestionRun>> {
    const where: Prisma.IngestionRunWhereInput = { kind: filter.kind, status: filter.status };
    return paginate((page) => this.prisma.ingestionRun.findMany({ where, orderBy: RUNS_NEWEST_FIRST, ...page }), filter.limit, filter.cursor);
  }

  // Per-window writes are plain SQL: Prisma's per-query overhead (several ms of CPU on the event
  // loop) would be a noticeable share of a fast backfill.

  /**
   * Before a queued run executes (again): RUNNING with fresh counters (`windowsTotal` as planned),
   * and the windows an earlier attempt left open (its worker died) closed as abandoned. Windows it
   * completed stay completed and are counted again as skipped.
   */
  async resumeRun(runId: string, windowsTotal: number): Promise<void> {
    await this.pool.query(
      `WITH run AS (
         UPDATE ingestion_runs SET status = 'RUNNING', error = NULL, finished_at = NULL, heartbeat_at = now(),
                windows_total = $2, windows_done = 0, windows_failed = 0
         WHERE id = $1
       )
       UPDATE data_ingestion_logs SET status = 'FAILED', completed_at = now(),
              error_message = 'abandoned: the run stopped without finishing this window'
       WHERE run_id = $1 AND status = 'RUNNING'`,
      [runId, windowsTotal],
    );
  }

  async heartbeat(runId: string): Promise<void> {
    await this.pool.query(`UPDATE ingestion_runs SET heartbeat_at = now() WHERE id = $1 AND status = 'RUNNING'`, [runId]);
  }

  async addRunProgress(runId: string, delta: RunProgressDelta): Promise<void> {
    await this.pool.query(`UPDATE ingestion_runs SET ${PROGRESS_SET} WHERE id = $1`, [runId, ...progressParams(delta)]);
  }

  /** A FAILED end also publishes `ingestion.failed` (one event per ticker of the run), in the same transaction. */
  async finishRun(runId: string, status: FinalStatus, error: string | null): Promise<IngestionRun> {
    const now = new Date();
    if (status !== 'FAILED') return this.prisma.ingestionRun.update({ where: { id: runId }, data: { status, error, finishedAt: now, heartbeatAt: now } });
    await withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<FailedRun>(
        `UPDATE ingestion_runs SET status = 'FAILED', error = $2, finished_at = $3, heartbeat_at = $3 WHERE id = $1
         RETURNING id, kind, tickers, timeframes, error`,
        [runId, error, now],
      );
      await appendEventsInTransaction(tx, rows.flatMap(ingestionFailedEvents));
    });
    return (await this.getRun(runId))!;
  }

  /** Opens a window's log row (RUNNING) before its first request goes out. */
  async startWindow(window: { runId: string; ticker: string; timeframe: Timeframe; start: Date; end: Date }): Promise<string> {
    const id = randomUUID();
    await this.pool.query(
      `INSERT INTO data_ingestion_logs (id, run_id, source, ticker, timeframe, from_date, to_date, status, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'RUNNING', 0)`,
      [id, window.runId, POLYGON_SOURCE, window.ticker, window.timeframe, window.start, window.end],
    );
    return id;
  }

  /**
   * Closes a window's log row and adds it to its run's counters, in one statement, and publishes
   * `ingestion.progress` (the window's outcome and the run's counters) in the same transaction.
   */
  async completeWindow(logId: string, runId: string, outcome: WindowOutcome, delta: RunProgressDelta): Promise<void> {
    await withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<{ ticker: string; timeframe: string; from: Date; to: Date; windowsTotal: number; windowsDone: number; windowsFailed: number }>(
        `WITH closed AS (
           UPDATE data_ingestion_logs
           SET status = $7::"IngestionStatus", rows_ingested = $8, attempts = $9, error_message = $10, completed_at = now()
           WHERE id = $11
           RETURNING ticker, timeframe, from_date, to_date
         ), run AS (
           UPDATE ingestion_runs SET ${PROGRESS_SET} WHERE id = $1
           RETURNING windows_total, windows_done, windows_failed
         )
         SELECT closed.ticker, closed.timeframe, closed.from_date AS "from", closed.to_date AS "to",
                run.windows_total AS "windowsTotal", run.windows_done AS "windowsDone", run.windows_failed AS "windowsFailed"
         FROM closed, run`,
        [runId, ...progressParams(delta), outcome.status, outcome.rowsIngested, outcome.attempts, outcome.errorMessage, logId],
      );
      const window = rows[0];
      if (!window) return;
      const { ticker, timeframe, from, to, ...run } = window;
      await appendEventsInTransaction(tx, [
        {
          topic: 'ingestion',
          name: 'ingestion.progress',
          ticker,
          timeframe,
          payload: { runId, logId, status: outcome.status, rowsIngested: outcome.rowsIngested, from: from.toISOString(), to: to.toISOString(), ...run },
        },
      ]);
    });
  }

  /**
   * Ranges of SUCCESS windows of a series overlapping [from, to) that were fetched after the window
   * ended - so their data was final. A window fetched while it was still open (today) is not done.
   */
  async completedRanges(ticker: string, timeframe: Timeframe, from: Date, to: Date): Promise<Array<{ start: Date; end: Date }>> {
    const { rows } = await this.pool.query<{ start: Date; end: Date }>(
      `SELECT from_date AS start, to_date AS "end" FROM data_ingestion_logs
       WHERE ticker = $1 AND timeframe = $2 AND status = 'SUCCESS' AND completed_at >= to_date
         AND to_date > $3 AND from_date < $4
       ORDER BY from_date`,
      [ticker, timeframe, from, to],
    );
    return rows;
  }

  /**
   * Runs whose heartbeat stopped (process killed, host lost) are closed as FAILED, and so are their
   * windows still RUNNING: the log then tells what happened, and those windows get redone.
   */
  async reapStaleRuns(staleMs: number): Promise<number> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<FailedRun>(
        `WITH stale AS (
         UPDATE ingestion_runs
         SET status = 'FAILED', finished_at = heartbeat_at,
             error = coalesce(error, 'abandoned: no heartbeat since ' || to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
         WHERE status = 'RUNNING' AND heartbeat_at < now() - make_interval(secs => $1::float8 / 1000)
         RETURNING id, kind, tickers, timeframes, error
       ), windows AS (
         UPDATE data_ingestion_logs SET status = 'FAILED', completed_at = now(),
           error_message = 'abandoned: the run stopped without finishing this window'
         WHERE status = 'RUNNING' AND run_id IN (SELECT id FROM stale)
       )
       SELECT * FROM stale`,
        [staleMs],
      );
      await appendEventsInTransaction(tx, rows.flatMap(ingestionFailedEvents));
      return rows.length;
    });
  }

  /**
   * Closes RUNNING windows of a series left by other runs. Only called under the series lock: a live
   * run never leaves a window open after releasing it, so such rows belong to dead processes.
   */
  async abandonOpenWindows(ticker: string, timeframe: Timeframe, exceptRunId: string): Promise<number> {
    const { count } = await this.prisma.dataIngestionLog.updateMany({
      where: { ticker, timeframe, status: 'RUNNING', NOT: { runId: exceptRunId } },
      data: { status: 'FAILED', completedAt: new Date(), errorMessage: 'abandoned: the run stopped without finishing this window' },
    });
    return count;
  }

  listLogs(filter: LogFilter): Promise<Page<DataIngestionLog>> {
    const where: Prisma.DataIngestionLogWhereInput = {
      runId: filter.runId,
      ticker: filter.ticker,
      timeframe: filter.timeframe,
      status: filter.status,
      ...(filter.from ? { toDate: { gt: filter.from } } : {}),
      ...(filter.to ? { fromDate: { lt: filter.to } } : {}),
    };
    return paginate((page) => this.prisma.dataIngestionLog.findMany({ where, orderBy: LOGS_NEWEST_FIRST, ...page }), filter.limit, filter.cursor);
  }

  /** Start of the most recent run of a kind, if any (lets a scheduler tick run once across instances). */
  async latestRunStart(kind: RunKind): Promise<Date | null> {
    const run = await this.prisma.ingestionRun.findFirst({ where: { kind }, orderBy: RUNS_NEWEST_FIRST, select: { startedAt: true } });
    return run?.startedAt ?? null;
  }

  /**
   * Runs `fn` holding the session-level advisory lock `key` on a dedicated connection; the lock goes
   * with the connection, so a killed process never leaves it behind. 'skip' returns at once when the
   * lock is held elsewhere; 'wait' polls until it is free (or `signal` aborts). `fn` gets a signal
   * that fires if the lock's connection is lost, after which the lock no longer protects anything.
   */
  async withAdvisoryLock<T>(
    key: string,
    mode: LockMode,
    fn: (lockLost: AbortSignal) => Promise<T>,
    options: LockOptions = {},
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    const client = await this.pool.connect();
    const lost = new AbortController();
    const onError = (error: Error) => lost.abort(error);
    client.on('error', onError);
    let unlockError: Error | undefined;
    try {
      if (!(await this.acquire(client, key, mode, options))) return { acquired: false };
      try {
        return { acquired: true, value: await fn(lost.signal) };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, key]).catch((error: Error) => {
          unlockError = error;
        });
      }
    } finally {
      client.off('error', onError);
      // A connection that failed must not return to the pool: it might still hold the lock.
      client.release(unlockError ?? (lost.signal.reason as Error | undefined));
    }
  }

  private async acquire(client: pg.PoolClient, key: string, mode: LockMode, options: LockOptions): Promise<boolean> {
    for (let waiting = false; ; waiting = true) {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_NAMESPACE, key]);
      if (rows[0]?.ok) return true;
      if (mode === 'skip') return false;
      if (!waiting) options.onWait?.();
      await sleep(options.pollMs ?? 500, options.signal);
    }
  }

  /** Removes a ticker's bars, window logs and single-ticker runs (the bench's scratch ticker). */
  async deleteTickerData(ticker: string): Promise<void> {
    await this.pool.query('DELETE FROM market_data WHERE ticker = $1', [ticker]);
    await this.pool.query('DELETE FROM data_ingestion_logs WHERE ticker = $1', [ticker]);
    await this.pool.query('DELETE FROM ingestion_runs WHERE tickers = ARRAY[$1]::text[]', [ticker]);
  }
}
