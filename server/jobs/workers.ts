// Starts the server's workers and schedules: every background job of the process, on pg-boss.
// Handlers are idempotent, because a job may run again after its worker died mid-way: ingestion
// skips windows already logged as done and upserts bars; features are recomputed from `since`
// inside one transaction; the periodic jobs are plain passes over the current state.
import type { AppConfig } from '../config';
import type pg from 'pg';
import { createTimeSeriesMaintenance, type TimeSeriesMode } from '../db/timescale';
import { NY_TIME_ZONE } from '../ingestion/calendar';
import { refreshTick } from '../ingestion/scheduler';
import type { IngestionJob } from '../ingestion/service';
import { logger } from '../logger';
import { resolveDuePredictions } from '../predictions/resolver';
import type { Services } from '../services';
import { JOB, refreshTickQueue, SCHEDULES } from './definitions';
import type { FeatureJob } from './service';
import type { DeliveryJob } from '../webhooks/service';

interface WorkerDeps {
  services: Services;
  pool: pg.Pool;
  timeSeries: TimeSeriesMode;
  config: Pick<AppConfig, 'MATVIEW_REFRESH_CRON' | 'PREDICTION_RESOLVE_CRON' | 'RETENTION_YEARS' | 'REFRESH_TICKERS' | 'REFRESH_CRON'>;
}

/** Starts the queue, registers the handlers and (re)writes the schedules. */
export async function startWorkers({ services, pool, timeSeries, config }: WorkerDeps): Promise<void> {
  const queue = services.jobs.queue;
  await queue.start();

  await queue.work<IngestionJob>(
    JOB.ingestionRun,
    async (job, { id, signal }) => {
      logger.info({ runId: job.runId, jobId: id }, 'ingestion run job started');
      const summary = await services.ingestion.runJob(job, signal);
      if (signal.aborted && summary.error?.startsWith('aborted')) {
        // Its time slice ended or the server is stopping: the run goes on in a fresh job, from the
        // first window not yet done (a retry would count against the retry limit).
        await queue.send(JOB.ingestionRun, job);
        logger.info({ runId: job.runId, reason: String(signal.reason) }, 'ingestion run continues in a new job');
      }
    },
    // Two runs at a time per instance, so a long backfill does not hold up a refresh.
    { concurrency: 2 },
  );
  await queue.work<FeatureJob>(JOB.featuresRecompute, async ({ ticker, timeframe, since }) => {
    await services.features.onBarsWritten(ticker, timeframe, new Date(since));
  });
  await queue.work<{ ticker: string }>(JOB.ordersMatch, async ({ ticker }) => {
    await services.trading.match(ticker);
  });
  await queue.work(JOB.ordersSweep, async () => {
    await services.trading.sweep();
  });
  // Scheduled passes carry no data; a pass queued after a bars write carries the earliest bar written.
  await queue.work<{ barsChangedSince?: string }>(JOB.predictionsResolve, async ({ barsChangedSince }) => {
    const options = barsChangedSince ? { barsChangedSince: new Date(barsChangedSince) } : {};
    await resolveDuePredictions({ predictions: services.predictions, metrics: services.systemMetrics }, options);
  });
  await queue.work(JOB.sessionsSweep, async () => {
    await services.auth.pruneExpired();
  });
  await queue.work(JOB.eventsPrune, async () => void (await services.events.prune()));
  await startWebhookWorkers(services, pool);
  const maintenance = createTimeSeriesMaintenance(pool, timeSeries, { retentionYears: config.RETENTION_YEARS });
  await queue.work(JOB.summaryRefresh, async () => void (await maintenance.refresh()));
  await queue.work(JOB.retention, async () => void (await maintenance.retention()));

  await queue.schedule(JOB.predictionsResolve, config.PREDICTION_RESOLVE_CRON);
  await queue.schedule(JOB.sessionsSweep, SCHEDULES.sessionsSweep);
  await queue.schedule(JOB.eventsPrune, SCHEDULES.eventsPrune);
  await queue.schedule(JOB.ordersSweep, SCHEDULES.ordersSweep);
  // TimescaleDB runs its own refresh and retention policies.
  const native = !timeSeries.timescaledb;
  await scheduleOrNot(JOB.summaryRefresh, native && config.MATVIEW_REFRESH_CRON !== 'off' ? config.MATVIEW_REFRESH_CRON : null);
  await scheduleOrNot(JOB.retention, native ? SCHEDULES.retention : null);

  const patterns = config.REFRESH_CRON.split(';')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const [i, pattern] of patterns.entries()) {
    await queue.work(refreshTickQueue(i), async () => {
      const runId = await refreshTick(services.ingestion, new Date());
      logger.debug({ runId }, runId ? 'refresh queued' : 'refresh tick: market closed');
    });
    await scheduleOrNot(refreshTickQueue(i), config.REFRESH_TICKERS ? pattern : null, NY_TIME_ZONE);
  }

  async function scheduleOrNot(name: string, cron: string | null, tz?: string) {
    if (cron) await queue.schedule(name, cron, {}, tz);
    else await queue.unschedule(name);
  }
}

/**
 * Webhooks: the feed's NOTIFY queues a dispatch at once (coalesced: the queue is stately), the
 * schedule catches up after anything missed; each attempt of each delivery is a job of its own.
 */
export async function startWebhookWorkers(services: Pick<Services, 'jobs' | 'webhooks'>, pool: pg.Pool): Promise<void> {
  const queue = services.jobs.queue;
  await queue.work(JOB.webhookDispatch, async () => void (await services.webhooks.dispatch()));
  await queue.work<DeliveryJob>(JOB.webhookDeliver, (job) => services.webhooks.attempt(job), { concurrency: 4 });
  await queue.schedule(JOB.webhookDispatch, SCHEDULES.webhookDispatch);
  await services.webhooks.followFeed(pool.options, () => queue.send(JOB.webhookDispatch, {}));
}
