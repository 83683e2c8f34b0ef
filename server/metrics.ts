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

/** What the stream gauges read at each scrape (set by server/ingestion/stream.ts when it starts). */
interface StreamGaugeSource {
  role: 'off' | 'standby' | 'holder';
  state: string;
  lastMessageAt: string | null;
  lagSeconds: number | null;
}
let streamSource: (() => StreamGaugeSource) | null = null;

export function observeStream(source: () => StreamGaugeSource): void {
  streamSource = source;
}

new client.Gauge({
  name: 'quantbase_stream_connected',
  help: 'Polygon WebSocket: 1 while this instance is subscribed and streaming, else 0',
  registers: [registry],
  collect() {
    this.set(streamSource?.().state === 'streaming' ? 1 : 0);
  },
});

new client.Gauge({
  name: 'quantbase_stream_holder',
  help: 'Polygon WebSocket: 1 if this instance holds the stream (one instance does), else 0',
  registers: [registry],
  collect() {
    this.set(streamSource?.().role === 'holder' ? 1 : 0);
  },
});

new client.Gauge({
  name: 'quantbase_stream_last_message_timestamp_seconds',
  help: 'Polygon WebSocket: Unix time of the last frame received (0 = none yet)',
  registers: [registry],
  collect() {
    const at = streamSource?.().lastMessageAt;
    this.set(at ? Date.parse(at) / 1000 : 0);
  },
});

new client.Gauge({
  name: 'quantbase_stream_lag_seconds',
  help: "Polygon WebSocket: now minus the end (Polygon's timestamp) of the newest bar received (-1 = none yet)",
  registers: [registry],
  collect() {
    this.set(streamSource?.().lagSeconds ?? -1);
  },
});

export const streamBars = new client.Counter({
  name: 'quantbase_stream_bars_total',
  help: 'Bars stored from the Polygon WebSocket',
  labelNames: ['ticker'] as const,
  registers: [registry],
});

export const streamSkipped = new client.Counter({
  name: 'quantbase_stream_skipped_total',
  help: 'Polygon WebSocket frames and events skipped (not JSON, not an array, missing fields) and bars the upsert refused',
  registers: [registry],
});

export const streamReconnects = new client.Counter({
  name: 'quantbase_stream_reconnects_total',
  help: 'Polygon WebSocket reconnects (connection lost or refused, auth failed)',
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
