// The process's Prometheus registry (prom-client, served at /metrics) and the counters the work
// itself increments: ingestion (bars, windows) and background jobs. Like the logger, any layer may
// import it; the HTTP series (request latency, pool gauges) are added by server/http/metrics.ts.
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'quantbase_' });

export const ingestedBars = new client.Counter({
  name: 'quantbase_ingested_bars_total',
  help: 'Bars stored by ingestion runs (new, changed or already identical)',
  labelNames: ['ticker', 'timeframe'] as const,
  registers: [registry],
});

export const ingestionWindows = new client.Counter({
  name: 'quantbase_ingestion_windows_total',
  help: 'Ingestion windows by final status (SUCCESS, PARTIAL, FAILED)',
  labelNames: ['status'] as const,
  registers: [registry],
});

export const jobRuns = new client.Counter({
  name: 'quantbase_job_runs_total',
  help: 'Background job runs by job and result (success, partial, skipped: another instance ran it, failure)',
  labelNames: ['job', 'result'] as const,
  registers: [registry],
});

export type JobResult = 'success' | 'partial' | 'skipped' | 'failure';

/**
 * Runs one job and counts it under `job`: `failure` when it throws (the error is rethrown),
 * otherwise the result `resultOf` reads from its value (default `success`).
 */
export async function countJobRun<T>(job: string, run: () => Promise<T>, resultOf: (value: T) => JobResult = () => 'success'): Promise<T> {
  let value: T;
  try {
    value = await run();
  } catch (error) {
    jobRuns.inc({ job, result: 'failure' });
    throw error;
  }
  jobRuns.inc({ job, result: resultOf(value) });
  return value;
}
