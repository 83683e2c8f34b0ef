// The prediction resolver job: fills in the outcomes of predictions whose target time has passed,
// records each run as a system metric and counts it (quantbase_job_runs_total). Run by the
// scheduled `predictions-resolve` job (server/jobs/workers.ts).
import { logger } from '../logger';
import { countJobRun } from '../metrics';
import type { PredictionRepository } from './repository';

interface PredictionResolverDeps {
  predictions: Pick<PredictionRepository, 'resolveDueExclusive'>;
  /** Where each run's count goes (system_metrics). */
  metrics: { record(name: string, value: number, tags: Record<string, unknown>): Promise<void> };
}

/**
 * One resolver pass; `null` when skipped because another pass holds the repository's advisory
 * lock (a manual POST /predictions/resolve, or a pass outlasting its schedule).
 */
export function resolveDuePredictions({ predictions, metrics }: PredictionResolverDeps): Promise<number | null> {
  const run = async (): Promise<number | null> => {
    const started = performance.now();
    const resolved = await predictions.resolveDueExclusive();
    if (resolved === null) return null;
    const ms = Math.round(performance.now() - started);
    await metrics.record('prediction_resolver.resolved', resolved, { ms });
    if (resolved > 0) logger.info({ resolved, ms }, 'predictions resolved');
    return resolved;
  };
  return countJobRun('prediction_resolver', run, (resolved) => (resolved === null ? 'skipped' : 'success'));
}
