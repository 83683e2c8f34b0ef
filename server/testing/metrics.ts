// A sample of the process registry as /metrics serves it (the Prometheus text format), for tests
// that check a counter moved.
import { registry } from '../metrics';

/** The sum of `name`'s samples whose labels include `labels` (0 when there is none). */
export async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  let sum = 0;
  for (const line of (await registry.metrics()).split('\n')) {
    const sample = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (sample?.[1] !== name) continue;
    const present = new Map([...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) sum += Number(sample[3]);
  }
  return sum;
}
