// The prediction resolver job: one resolution pass (PredictionService.resolve), recorded as a
// system metric and counted (quantbase_job_runs_total). Run by the `predictions-resolve` job
// (server/jobs/workers.ts) on its schedule and after every bars write of an ingestion run.
import { logger } from '../logger';
import { countJobRun } from '../metrics';
import type { PredictionService, ResolveOptions } from './service';

interface PredictionResolverDeps {
  predictions: Pick<PredictionService, 'resolve'>;
  /** Where each run's count goes (system_metrics). */
  metrics: { record(name: string, value: number, tags: Record<string, unknown>): Promise<void> };
}

/**
 * One resolver pass; `null` when skipped because another pass holds the resolver's advisory
 * lock (a manual POST /predictions/resolve, or a pass outlasting its schedule).
 */
export function resolveDuePredictions({ predictions, metrics }: PredictionResolverDeps, options: Omit<ResolveOptions, 'wait'> = {}): Promise<number | null> {
  const run = async (): Promise<number | null> => {
    const started = performance.now();
    const resolved = await predictions.resolve(options);
    if (resolved === null) return null;
    const ms = Math.round(performance.now() - started);
    await metrics.record('prediction_resolver.resolved', resolved, { ms });
    if (resolved > 0) logger.info({ resolved, ms }, 'predictions resolved');
    return resolved;
  };
  return countJobRun('prediction_resolver', run, (resolved) => (resolved === null ? 'skipped' : 'success'));
}
