// The one place tRPC is initialised. Everything else imports the router factory and the
// procedure builders from here (the pattern of tRPC's express-server example and create-t3-app).
import { initTRPC, TRPCError, type AnyProcedure } from '@trpc/server';
import superjson from 'superjson';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { hasScope, type Principal } from './auth/principal';
import { errorBody, toTRPCError } from './errors';
import type { Logger } from './logger';
import type { Services } from './services';

/** 1. Context, built per request by the HTTP layer (createContext in server/http/app.ts). */
export interface Context {
  services: Services;
  principal: Principal | null;
  /** Set when a key or session was presented but is not valid, to say so in the 401. */
  authError: string | null;
  requestId: string;
  log: Logger;
  /** Sets a header on the HTTP response (absent for in-process callers). */
  setResponseHeader?: (name: string, value: string) => void;
}

/** What a procedure declares beside its OpenAPI route: the scope it needs (set by scopedProcedure). */
// A type, not an interface: OpenApiMeta needs an index-signature-compatible shape.
type ProcedureMeta = { scope?: string };

/**
 * 2. Initialisation: superjson for the SPA (Dates survive the wire), OpenAPI metadata for the REST
 * adapter, and an error formatter that adds the one error body (server/errors.ts: `success: false`,
 * `error`, `details` with the fields at fault). The REST adapter spreads this shape into its error
 * bodies, so they reach bots too.
 */
const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta<ProcedureMeta>>()
  .create({
    transformer: superjson,
    // Subscriptions (server/events/router.ts): a ping keeps proxies from cutting an idle stream, and
    // a client that hears nothing for 3 pings reconnects (resuming from its last event id).
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 45_000 } },
    errorFormatter({ shape, error }) {
      return { ...shape, ...errorBody(error), data: { ...shape.data, stack: undefined } };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure maps what the layers below throw (DomainError, pg, Prisma) onto tRPC codes
 * (server/errors.ts), so clients get 400/404/409/412/422/503 and never a stack trace or SQL text.
 */
const mapErrors = t.middleware(async ({ ctx, next, path, type }) => {
  const result = await next();
  // A write committed here: cached reads must not wait for its notification to see it.
  if (type === 'mutation') ctx.services.readCache.invalidateAll();
  // tRPC wraps anything that is not a TRPCError as INTERNAL_SERVER_ERROR; classify those.
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR') {
    const original = result.error.cause ?? result.error;
    const mapped = toTRPCError(original);
    if (mapped.code === 'INTERNAL_SERVER_ERROR') ctx.log.error({ err: original, path }, 'procedure failed');
    throw mapped;
  }
  return result;
});

/** 3. Procedures. `publicProcedure` needs no caller; `scopedProcedure(scope)` needs a key with it. */
export const publicProcedure = t.procedure.use(mapErrors);

/**
 * Why a caller may not use something that needs `scope`: 401 without a key or session, 403 without
 * the scope; null when it may. Procedures and the routes served beside the REST adapter share it.
 */
export function accessError(principal: Principal | null, authError: string | null, scope: string | null): TRPCError | null {
  if (!principal) return new TRPCError({ code: 'UNAUTHORIZED', message: authError ?? 'An API key (Authorization: Bearer …) or a session is required' });
  if (scope !== null && !hasScope(principal, scope)) return new TRPCError({ code: 'FORBIDDEN', message: `This key lacks the "${scope}" scope` });
  return null;
}

/**
 * One middleware for both checks (each tRPC middleware level costs a cached read a little). `null`:
 * any valid key or session (the procedure checks finer scopes itself).
 */
export function scopedProcedure(scope: string | null) {
  return publicProcedure.meta(scope === null ? {} : { scope }).use(({ ctx, next }) => {
    const denied = accessError(ctx.principal, ctx.authError, scope);
    if (denied || !ctx.principal) throw denied;
    return next({ ctx: { ...ctx, principal: ctx.principal } });
  });
}

/** The scope a procedure needs (null: none), for routes served beside the adapters. */
export function procedureScope(procedure: AnyProcedure): string | null {
  return (procedure._def.meta as ProcedureMeta | undefined)?.scope ?? null;
}
