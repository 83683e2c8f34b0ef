// One line per request - method, path, status, milliseconds, request id - in place of pino-http,
// whose per-request child logger with serializers and completion line (every header serialized and
// redacted) cost more than a cached read itself. 5xx lines at error, the rest at info (so
// LOG_LEVEL=warn keeps only failures); health probes and metrics scrapes are not logged. Paths
// only: a query string can carry a one-time sign-in token.
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { logger, type Logger } from '../logger';

declare module 'http' {
  interface IncomingMessage {
    /** This request's id, also sent back as X-Request-Id. */
    id: string;
    /** The process logger with this request's id bound. */
    log: Logger;
  }
}

const unlogged = (path: string) => path.startsWith('/api/health') || path === '/metrics';

export function requestLog(req: Request, res: Response, next: NextFunction): void {
  const started = performance.now();
  req.id = crypto.randomUUID();
  req.log = logger.child({ reqId: req.id });
  res.setHeader('X-Request-Id', req.id);
  res.once('finish', () => {
    const level = res.statusCode >= 500 ? 'error' : 'info';
    if (!logger.isLevelEnabled(level) || unlogged(req.path)) return;
    const ms = Math.round((performance.now() - started) * 10) / 10;
    req.log[level]({ method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms }, 'request');
  });
  next();
}
