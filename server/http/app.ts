// The Express host: tRPC for the SPA under /trpc, the REST/OpenAPI adapter for bots under /api,
// sign-in under /auth, Prometheus at /metrics, and the built SPA with history fallback.
import fs from 'node:fs';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import type pg from 'pg';
import * as trpcExpress from '@trpc/server/adapters/express';
import { createOpenApiExpressMiddleware, generateOpenApiDocument } from 'trpc-to-openapi';
import type { AppConfig } from '../config';
import { toHttpError } from '../errors';
import { registry } from '../metrics';
import { appRouter } from '../router';
import type { Services } from '../services';
import type { Context } from '../trpc';
import { authenticate, type AuthenticatedRequest } from './authenticate';
import { authRoutes } from './auth-routes';
import { streamedBarReads } from './bar-stream';
import { failFastWhileDatabaseDown, retryAfterOn503 } from './database-gate';
import { datasetExportOperation, datasetExportRoute } from './dataset-export';
import { docsRoutes } from './docs';
import { eventStreamOperation, eventStreamRoute, type StreamLimits } from './event-stream';
import { healthRoutes } from './health-routes';
import { jsonBody } from './json-body';
import { predictionWebhookOperation, predictionWebhookRoute } from './prediction-webhook';
import { hotReads } from './hot-reads';
import { httpMetrics, registerPoolMetrics } from './metrics';
import { createRateLimiter } from './rate-limit';
import { requestLog } from './request-log';
import { securityHeaders } from './security-headers';
import { series } from './series';

const WEB_DIST = path.resolve(import.meta.dirname, '../../dist/web');

export interface AppOptions {
  services: Services;
  pool: pg.Pool;
  config: Pick<AppConfig, 'RATE_LIMITS' | 'RATE_LIMIT_STORE' | 'CORS_ORIGINS' | 'BODY_LIMIT'> & StreamLimits;
}

export const openApiDocument = generateOpenApiDocument(appRouter, {
  title: 'Quantbase API',
  description:
    'REST API for trading bots and ML services. Authenticate with `Authorization: Bearer <API key>`. ' +
    'Successful responses are `{ "success": true, ... }`; errors are `{ "success": false, "error": "...", "details"?: [...] }`.',
  version: '0.1.0',
  baseUrl: '/api',
  securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created with `npm run keys -- create`' } },
});
// The streamed export is served beside the REST adapter, which cannot stream a file: document it by hand.
openApiDocument.paths = { ...openApiDocument.paths, '/datasets/export': datasetExportOperation(), '/stream': eventStreamOperation() };
// The signed webhook reads its raw body, so it too is served beside the adapter.
openApiDocument.paths = { ...openApiDocument.paths, '/predictions/webhook': predictionWebhookOperation() };

export interface App {
  app: express.Express;
  /** Flushes and stops what the app runs beside requests (the rate limiter's counters). */
  close(): Promise<void>;
}

export function createApp({ services, pool, config }: AppOptions): App {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  registerPoolMetrics(pool);

  const limiter = createRateLimiter({ spec: config.RATE_LIMITS, store: config.RATE_LIMIT_STORE, pool });
  // What every response gets, as one layer (server/http/series.ts says why).
  app.use(
    series(
      httpMetrics,
      retryAfterOn503,
      requestLog,
      securityHeaders({ contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:'] } } }),
    ),
  );
  // Without allowed origins, cors() would only pass each request on: same origin only, no headers.
  const origins = config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length > 0) app.use(cors({ origin: origins, credentials: true }));
  app.use('/api/health', healthRoutes(services.health));
  // Only the API needs a caller (and the database): static SPA files load while the database is down.
  // Rate limits are per key, so they come after authentication.
  app.use(['/api', '/trpc', '/auth'], series(failFastWhileDatabaseDown(services.databaseAvailability), cookieParser(), authenticate(services.auth), limiter.middleware));

  const createContext = ({ req, res }: { req: express.Request; res?: express.Response }): Context => {
    const r = req as AuthenticatedRequest;
    return {
      services,
      principal: r.principal ?? null,
      authError: r.authError ?? null,
      requestId: req.id,
      log: req.log,
      setResponseHeader: res && ((name, value) => void res.setHeader(name, value)),
    };
  };
  app.use(hotReads(createContext, services.readCache)); // first: the bots' most frequent requests

  app.use('/auth', authRoutes(services.auth));
  app.use('/trpc', jsonBody(config.BODY_LIMIT), trpcExpress.createExpressMiddleware({ router: appRouter, createContext }));

  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use('/api/docs', docsRoutes());
  app.use(streamedBarReads(services));
  app.use(datasetExportRoute(services));
  app.use(eventStreamRoute(services, config));
  app.use(predictionWebhookRoute(services, config.BODY_LIMIT));
  app.use('/api', jsonBody(config.BODY_LIMIT), createOpenApiExpressMiddleware({ router: appRouter, createContext }));
  app.use('/api', (_req, res) => {
    res.status(404).json({ success: false, error: 'Not found: see /api/docs for the routes' });
  });

  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  if (fs.existsSync(path.join(WEB_DIST, 'index.html'))) {
    app.use(express.static(WEB_DIST, { index: false, maxAge: '1h' }));
    app.get('/{*splat}', (_req, res) => res.sendFile(path.join(WEB_DIST, 'index.html')));
  }
  app.use(errorHandler);
  return { app, close: limiter.close };
}

/** Body-parser, database and unexpected errors as JSON, without internals (mapped in server/errors.ts). */
const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const { status, body } = toHttpError(error);
  if (status >= 500 && status !== 503) req.log.error({ err: error }, 'unhandled error');
  res.status(status).json(body);
};
