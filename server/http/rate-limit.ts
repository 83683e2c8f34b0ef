// Per-key rate limits (per IP when unauthenticated) with express-rate-limit: standard
// `RateLimit` / `RateLimit-Policy` headers, 429 with `Retry-After`, limits configurable per scope.
import type { Request } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Store } from 'express-rate-limit';
import type pg from 'pg';
import { PostgresRateLimitStore } from './rate-limit-store';
import type { AuthenticatedRequest } from './authenticate';

/** Parses `default=600,anonymous=60,trading:execute=120` into a map of requests per minute. */
function parseRateLimits(spec: string): Map<string, number> {
  const limits = new Map<string, number>();
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value] = part.split('=');
    const perMinute = Number(value);
    if (!name || !Number.isInteger(perMinute) || perMinute < 1) throw new Error(`RATE_LIMITS: cannot read "${part}"`);
    limits.set(name.trim(), perMinute);
  }
  return limits;
}

export interface RateLimitOptions {
  spec: string;
  store: 'postgres' | 'memory';
  pool: pg.Pool;
}

export function createRateLimiter(options: RateLimitOptions) {
  const limits = parseRateLimits(options.spec);
  const defaultLimit = limits.get('default') ?? 600;
  let store: Store;
  let prune: NodeJS.Timeout | undefined;
  if (options.store === 'postgres') {
    const postgres = new PostgresRateLimitStore(options.pool);
    // Expired windows are dead rows; any instance may sweep them (the DELETE is idempotent).
    prune = setInterval(() => void postgres.prune().catch(() => undefined), 5 * 60_000).unref();
    store = postgres;
  } else {
    store = new MemoryStore();
  }

  const limitFor = (req: Request): number => {
    const principal = (req as AuthenticatedRequest).principal;
    if (!principal) return limits.get('anonymous') ?? 60;
    let best = defaultLimit;
    for (const scope of principal.scopes) best = Math.max(best, limits.get(scope) ?? 0);
    return best;
  };

  const middleware = rateLimit({
    windowMs: 60_000,
    limit: limitFor,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store,
    keyGenerator: (req) => {
      const principal = (req as AuthenticatedRequest).principal;
      return principal ? `key:${principal.keyId}` : `ip:${ipKeyGenerator(req.ip ?? '0.0.0.0')}`;
    },
    handler: (_req, res, _next, used) => {
      res.status(used.statusCode).json({ success: false, error: 'Too many requests: slow down and retry after the time in Retry-After' });
    },
  });
  /** Stops the timers and sends the hits still counted only here. */
  const close = async () => {
    clearInterval(prune);
    await store.shutdown?.();
  };
  return { middleware, store, close };
}
