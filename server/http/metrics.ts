// The HTTP layer's Prometheus series: traffic by route and status, and the database pool, in the
// process registry (server/metrics.ts) beside the counters the work itself increments.
import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import client from 'prom-client';
import { registry } from '../metrics';

const httpDuration = new client.Histogram({
  name: 'quantbase_http_request_duration_seconds',
  help: 'HTTP request latency by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

// Pool gauges are read at scrape time, so they cost nothing between scrapes.
const pools = new Set<pg.Pool>();
const poolGauge = (name: string, help: string, read: (pool: pg.Pool) => number) =>
  new client.Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set([...pools].reduce((sum, pool) => sum + read(pool), 0));
    },
  });
poolGauge('quantbase_db_pool_connections', 'Open connections in the pool', (p) => p.totalCount);
poolGauge('quantbase_db_pool_idle', 'Idle connections in the pool', (p) => p.idleCount);
poolGauge('quantbase_db_pool_waiting', 'Requests waiting for a connection', (p) => p.waitingCount);

export function registerPoolMetrics(pool: pg.Pool): void {
  pools.add(pool);
}

/** Route label without ids, so cardinality stays bounded (/api/models/{id}, /trpc/<procedure>). */
function routeLabel(req: Request): string {
  const path = (req.originalUrl.split('?')[0] ?? '/')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ':id')
    .replace(/\/\d+(?=\/|$)/g, '/:n');
  if (path.startsWith('/api') || path.startsWith('/trpc') || path.startsWith('/auth') || path === '/metrics') return path.slice(0, 120);
  return '/spa';
}

export function httpMetrics(req: Request, res: Response, next: NextFunction): void {
  const end = httpDuration.startTimer({ method: req.method });
  res.on('finish', () => end({ route: routeLabel(req), status: String(res.statusCode) }));
  next();
}
