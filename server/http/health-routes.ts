// Probes for process managers and load balancers, outside the REST adapter, authentication and
// rate limits (a probe every few seconds must never be throttled).
import { Router } from 'express';
import type { HealthService } from '../health/service';

export function healthRoutes(health: HealthService): Router {
  const routes = Router();
  // Live: the process is up and its event loop answers.
  routes.get('/live', (_req, res) => {
    res.json({ success: true, status: 'live' });
  });
  // Ready: send traffic here. 503 while draining, without the database or behind on migrations.
  routes.get('/ready', async (_req, res) => {
    const readiness = await health.readiness();
    if (readiness.ready) res.json({ success: true, status: 'ready' });
    else res.status(503).set('Retry-After', '5').json({ success: false, status: 'not ready', error: readiness.reason });
  });
  return routes;
}
