// The one place tRPC is initialised. Everything else imports the router factory and the
// procedure builders from here (the pattern of tRPC's express-server example and create-t3-app).
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Logger } from './logger';
import type { Services } from './services';
import { toTRPCError } from './errors';

/** Who is calling: an API key, presented directly (bots) or through a session cookie (SPA). */
export interface Principal {
  keyId: string;
  name: string;
  prefix: string;
  scopes: ReadonlySet<string>;
}

/** 1. Context, built per request by the HTTP layer (`createContext` in server/http/app.ts). */
export interface Context {
  services: Services;
  principal: Principal | null;
  /** Set when a key or session was presented but is not valid, to say so in the 401. */
  authError: string | null;
  requestId: string;
  log: Logger;
}

/**
 * 2. Initialisation: superjson for the SPA (Dates survive the wire), OpenAPI metadata for the REST
 * adapter, and an error formatter that exposes zod issues with their field paths. The REST adapter
 * spreads this shape into its error bodies, so `success: false`, `error` and `details` reach bots.
 */
const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const zodError = error.cause instanceof ZodError ? error.cause : null;
      const details = zodError
        ? zodError.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
        : (error.cause as { details?: unknown } | undefined)?.details;
      return {
        ...shape,
        success: false as const,
        error: zodError ? 'Invalid input' : shape.message,
        details,
        data: { ...shape.data, stack: undefined },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure maps what the layers below throw (pg, Prisma, domain errors) onto tRPC codes,
 * so clients get 400/404/409/503 and never a stack trace or SQL text.
 */
const mapErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
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

const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.principal) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authError ?? 'An API key (Authorization: Bearer …) or a session is required' });
  }
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});

export function hasScope(principal: Principal, scope: string): boolean {
  return principal.scopes.has(scope) || principal.scopes.has('admin');
}

export function scopedProcedure(scope: string) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!hasScope(ctx.principal, scope)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `This key lacks the "${scope}" scope` });
    }
    return next();
  });
}
