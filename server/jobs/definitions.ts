// The product's job queues and their rules. Every background job of the server is one of these.
import type { AppConfig } from '../config';
import type { QueueDefinition } from './queue';

export const JOB = {
  /** One ingestion run (backfill or refresh) whose run row exists: { runId, plan }. */
  ingestionRun: 'ingestion-run',
  /** Feature recomputation of one series after its bars changed: { ticker, timeframe, since }. */
  featuresRecompute: 'features-recompute',
  predictionsResolve: 'predictions-resolve',
  /** Paper orders of one ticker matched against its new bars: { ticker }. */
  ordersMatch: 'orders-match',
  /** Every minute: paper orders of every ticker with open ones matched, DAY orders expired at their close. */
  ordersSweep: 'orders-sweep',
  summaryRefresh: 'daily-summary-refresh',
  retention: 'market-data-retention',
  sessionsSweep: 'sessions-sweep',
  eventsPrune: 'events-prune',
  /** Turns new feed events into webhook deliveries (stately: a burst of triggers coalesces). */
  webhookDispatch: 'webhook-dispatch',
  /** One attempt of one webhook delivery: { deliveryId, attempt }; the next attempt is a new job. */
  webhookDeliver: 'webhook-deliver',
} as const;

/** One queue per REFRESH_CRON pattern: pg-boss keeps one schedule per queue. */
export const refreshTickQueue = (index: number) => `ingestion-refresh-tick-${index}`;

export const SCHEDULES = {
  sessionsSweep: '*/10 * * * *',
  // The feed's NOTIFY triggers dispatch at once; this catches what a missed notification left.
  webhookDispatch: '* * * * *',
  ordersSweep: '* * * * *',
  retention: '30 3 * * *', // daily, 03:30 UTC
  eventsPrune: '*/10 * * * *',
} as const;

export function jobQueues(config: Pick<AppConfig, 'JOB_EXPIRE_SECONDS' | 'JOB_RETRY_DELAY_SECONDS' | 'REFRESH_CRON'>): QueueDefinition[] {
  const expireInSeconds = config.JOB_EXPIRE_SECONDS;
  const retryDelay = config.JOB_RETRY_DELAY_SECONDS;
  // Periodic jobs: a failure is retried once soon, then the next schedule tries again anyway.
  const periodic = (name: string): QueueDefinition => ({ name, retryLimit: 1, retryDelay, expireInSeconds });
  const patterns = config.REFRESH_CRON.split(';')
    .map((p) => p.trim())
    .filter(Boolean);
  return [
    // 5 retries: about 5, 10, 20, 40 and 80 s apart with the default delay, then dead.
    { name: JOB.ingestionRun, retryLimit: 5, retryDelay, expireInSeconds },
    { name: JOB.featuresRecompute, retryLimit: 5, retryDelay, expireInSeconds, policy: 'stately' },
    // Stately: while one matching of a ticker is queued, more bars need no second one (it reads them all).
    { name: JOB.ordersMatch, retryLimit: 5, retryDelay, expireInSeconds, policy: 'stately' },
    periodic(JOB.ordersSweep),
    periodic(JOB.predictionsResolve),
    periodic(JOB.summaryRefresh),
    periodic(JOB.retention),
    periodic(JOB.sessionsSweep),
    periodic(JOB.eventsPrune),
    { ...periodic(JOB.webhookDispatch), policy: 'stately' },
    // Retried only when a worker died mid-attempt: failed attempts are retried by the service's own backoff.
    { name: JOB.webhookDeliver, retryLimit: 3, retryDelay, expireInSeconds },
    ...patterns.map((_, i) => periodic(refreshTickQueue(i))),
  ];
}
