// The prediction resolver job: fills in the outcomes of predictions whose target time has passed,
// on a timer, records each run as a system metric and counts it (quantbase_job_runs_total).
import { logger } from '../logger';
import { countJobRun } from '../metrics';
import type { PredictionRepository } from './repository';

interface PredictionResolverDeps {
  predictions: Pick<PredictionRepository, 'resolveDueExclusive'>;
  /** Where each run's count goes (system_metrics). */
  metrics: { record(name: string, value: number, tags: Record<string, unknown>): Promise<void> };
}

/**
 * Resolves due predictions every `intervalSeconds`, once across instances (the repository's
 * advisory lock), one run at a time in this process. The timer is unref'd; on shutdown await
 * stop(), which lets a run in progress finish before the pool is closed.
 */
export function startPredictionResolver({ predictions, metrics }: PredictionResolverDeps, opts: { intervalSeconds: number }) {
  let running: Promise<void> | null = null;
  const run = async (): Promise<boolean> => {
    const started = performance.now();
    const resolved = await predictions.resolveDueExclusive();
    if (resolved === null) return false; // another instance is on it
    const ms = Math.round(performance.now() - started);
    await metrics.record('prediction_resolver.resolved', resolved, { ms });
    if (resolved > 0) logger.info({ resolved, ms }, 'predictions resolved');
    return true;
  };
  const timer = setInterval(() => {
    running ??= countJobRun('prediction_resolver', run, (ran) => (ran ? 'success' : 'skipped'))
      .then(() => undefined)
      .catch((error: unknown) => logger.warn({ err: error }, 'prediction resolver failed'))
      .finally(() => {
        running = null;
      });
  }, opts.intervalSeconds * 1000).unref();
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}
