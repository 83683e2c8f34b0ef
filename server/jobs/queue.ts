// Durable background jobs on pg-boss (its schema `pgboss` lives beside ours in the same database).
// Every queue is declared up front with its retry, expiry and dead-letter rules; pg-boss runs a
// scheduled job once per schedule across instances, and a job whose worker died (kill -9) is
// expired after `expireInSeconds` and retried by a live instance.
import PgBoss from 'pg-boss';
import type pg from 'pg';
import { logger, type Logger } from '../logger';
import { installJobEvents } from './job-events';

/** Advisory lock key serialising JobQueue.start across instances (any constant not used elsewhere). */
const JOB_QUEUE_START_LOCK = 72707370;

export interface QueueDefinition {
  name: string;
  /** Attempts after the first; then the job is failed for good and copied to `<name>-dead`. */
  retryLimit: number;
  /** Seconds before the first retry; doubled (with jitter) at each further retry. */
  retryDelay: number;
  /** How long a job may stay active before it is taken as lost and retried. */
  expireInSeconds: number;
  /**
   * stately: at most one queued and one active job per singletonKey, so a burst of sends for the
   * same key coalesces into the one queued job.
   */
  policy?: 'standard' | 'stately';
}

export interface JobQueueOptions {
  queues: QueueDefinition[];
  /** How often workers look for new jobs (default 2 s). */
  pollingIntervalSeconds?: number;
  /** How often lost (expired) jobs are retried and old ones archived, across instances (default 30 s). */
  maintenanceIntervalSeconds?: number;
  /** How often the schedules are checked (default 30 s; cron has a one-minute resolution). */
  cronMonitorIntervalSeconds?: number;
  /** At most one "still failing" log line per this many seconds while the database is away (default 30 s). */
  errorLogIntervalSeconds?: number;
  log?: Logger;
}

interface JobContext {
  id: string;
  /** Aborted when the job's time (expireInSeconds) is nearly up or the process is stopping. */
  signal: AbortSignal;
}

export type JobHandler<T> = (data: T, context: JobContext) => Promise<void>;

export const deadLetterName = (queue: string) => `${queue}-dead`;

/** Handlers stop a little before pg-boss would expire the job and hand it to another worker. */
const EXPIRY_MARGIN = 0.9;

export class JobQueue {
  private readonly boss: PgBoss;
  private readonly log: Logger;
  private readonly definitions: Map<string, QueueDefinition>;
  private readonly stopping = new AbortController();
  private started = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: JobQueueOptions,
  ) {
    this.log = options.log ?? logger;
    this.definitions = new Map(options.queues.map((q) => [q.name, q]));
    this.boss = new PgBoss({
      // Our pool: pg-boss opens no connections of its own, and closing the pool ends it.
      db: { executeSql: (text, values) => pool.query(text, values) },
      pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
      cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds ?? 30,
      cronWorkerIntervalSeconds: Math.min(5, options.cronMonitorIntervalSeconds ?? 5),
    });
    this.boss.on('error', throttledErrorLog(this.log, (options.errorLogIntervalSeconds ?? 30) * 1000));
  }

  /**
   * Installs or migrates the pgboss schema and creates every queue with its dead-letter queue. One
   * instance at a time (a session advisory lock): two instances starting together on a fresh
   * database would both create the schema and the same queues, and one would fail.
   */
  async start(): Promise<void> {
    const lock = await this.pool.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [JOB_QUEUE_START_LOCK]);
      await this.installQueues();
      await installJobEvents(lock);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [JOB_QUEUE_START_LOCK]).catch(() => undefined);
      lock.release();
    }
    this.started = true;
  }

  private async installQueues(): Promise<void> {
    await this.boss.start();
    for (const q of this.definitions.values()) {
      const dead = deadLetterName(q.name);
      await this.ensureQueue(dead, { name: dead, retryLimit: 0 });
      await this.ensureQueue(q.name, {
        name: q.name,
        policy: q.policy ?? 'standard',
        retryLimit: q.retryLimit,
        retryDelay: q.retryDelay,
        retryBackoff: true,
        expireInSeconds: q.expireInSeconds,
        deadLetter: dead,
      });
    }
  }

  /** Creates a queue, or brings an existing one's rules up to date (a redeploy with new settings). */
  private async ensureQueue(name: string, options: PgBoss.Queue): Promise<void> {
    if (await this.boss.getQueue(name)) await this.boss.updateQueue(name, options);
    else await this.boss.createQueue(name, options);
  }

  /** Whether start() has installed the queues in this process (jobs can be sent). */
  get running(): boolean {
    return this.started;
  }

  /**
   * Enqueues a job; returns its id, or null when a stately queue already holds one for the key.
   * `startAfter` delays it; `tx` enqueues it inside the caller's open transaction (it exists only
   * if that commits).
   */
  async send(
    name: string,
    data: object,
    options: { singletonKey?: string; startAfter?: Date; tx?: Pick<pg.ClientBase, 'query'> } = {},
  ): Promise<string | null> {
    this.definition(name);
    const { tx, ...sendOptions } = options;
    return this.boss.send(name, data, { ...sendOptions, ...(tx && { db: { executeSql: (text: string, values: unknown[]) => tx.query(text, values) } }) });
  }

  /** Runs `handler` for each job of `name`, one job at a time per worker in this process. */
  async work<T extends object>(name: string, handler: JobHandler<T>, options: { concurrency?: number } = {}): Promise<void> {
    const definition = this.definition(name);
    const run = async ([job]: PgBoss.Job<T>[]) => {
      if (!job) return;
      const slice = AbortSignal.timeout(definition.expireInSeconds * 1000 * EXPIRY_MARGIN);
      await handler(job.data, { id: job.id, signal: AbortSignal.any([slice, this.stopping.signal]) });
    };
    for (let i = 0; i < (options.concurrency ?? 1); i++) await this.boss.work<T>(name, { batchSize: 1 }, run);
  }

  /** Sends a job to `name` on a cron pattern, once per schedule across all instances. */
  async schedule(name: string, cron: string, data: object = {}, tz = 'UTC'): Promise<void> {
    this.definition(name);
    await this.boss.schedule(name, cron, data, { tz });
  }

  async unschedule(name: string): Promise<void> {
    await this.boss.unschedule(name);
  }

  /**
   * Stops fetching, lets running jobs finish for up to `timeoutMs`, then aborts their signals and
   * hands those still running back to the queue (failed, so retried elsewhere).
   */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const abortLate = setTimeout(() => this.stopping.abort(new Error('server shutting down')), Math.max(0, timeoutMs - 1000));
    try {
      await this.boss.stop({ graceful: true, timeout: timeoutMs, wait: true, close: false });
    } finally {
      clearTimeout(abortLate);
    }
  }

  private definition(name: string): QueueDefinition {
    const definition = this.definitions.get(name);
    if (!definition) throw new Error(`No job queue named ${name}`);
    return definition;
  }
}

/**
 * pg-boss polls and maintains on timers, so a database outage raises an error every few seconds:
 * log the first, then at most one line per interval, then "recovered" once an interval passes without one.
 */
export function throttledErrorLog(log: Logger, intervalMs: number): (error: Error) => void {
  let failing: { since: number; lastLogged: number; suppressed: number } | null = null;
  let recovery: NodeJS.Timeout | undefined;
  return (error) => {
    const now = Date.now();
    if (!failing) {
      log.error({ err: error }, 'job queue: database error (further errors are summarised)');
      failing = { since: now, lastLogged: now, suppressed: 0 };
    } else if (now - failing.lastLogged >= intervalMs) {
      log.error({ err: error, suppressed: failing.suppressed, failingForSeconds: Math.round((now - failing.since) / 1000) }, 'job queue: still failing');
      failing.lastLogged = now;
      failing.suppressed = 0;
    } else failing.suppressed++;
    const since = failing.since;
    clearTimeout(recovery);
    recovery = setTimeout(() => {
      failing = null;
      log.info({ failedForSeconds: Math.round((Date.now() - since) / 1000) }, 'job queue: recovered');
    }, intervalMs).unref();
  };
}
