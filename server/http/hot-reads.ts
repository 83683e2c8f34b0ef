// The bots' hot reads - latest predictions, the latest bar, signals - called straight on their
// procedures, beside the REST adapter. With their data in the read cache (server/db/read-cache.ts),
// the adapter's own work was most of a request: it builds a fetch Request and an abort signal per
// call, matches the path against every route and re-walks the input schema. Here the same procedure
// runs through a tRPC caller (same middleware, scope check, input schema, output validation) and
// its output is sent as the adapter sends it, byte for byte. Anything but success - no key, a
// missing scope, invalid input, a database error - falls through to the adapter, which calls the
// procedure again, so every error still comes from one place.
import type { AnyProcedure } from '@trpc/server';
import type { Request, RequestHandler } from 'express';
import type { ReadCache } from '../db/read-cache';
import { appRouter } from '../router';
import { accessError, createCallerFactory, procedureScope, type Context } from '../trpc';
import type { AuthenticatedRequest } from './authenticate';
import { adapterQuery } from './bar-stream';

const createCaller = createCallerFactory(appRouter);
type Caller = ReturnType<typeof createCaller>;
/** The query strings as the adapter passes them: the procedure's input schema coerces and checks them. */
type QueryInput = never;

/**
 * Identical requests (same path and query) within this span get the same answer, unless the read
 * cache saw a change meanwhile (microcaching). Under load most requests are such repeats, and the
 * procedure, its input and output validation and the JSON serialisation were most of a cached
 * read. What it costs: an answer that depends on the clock (a prediction whose target time passed)
 * can be this much late; a write is never missed (every change moves the cache's generation).
 */
const SHARED_ANSWER_MS = 100;
/** Answers remembered per route at most; beyond that they start over. */
const MAX_SHARED_ANSWERS = 1000;

interface SharedAnswer {
  body: string;
  generation: number;
  until: number;
}

function hotRead(procedure: AnyProcedure, call: (caller: Caller, input: QueryInput) => Promise<unknown>, createContext: (opts: { req: Request }) => Context, cache: ReadCache): RequestHandler {
  const scope = procedureScope(procedure);
  const answers = new Map<string, SharedAnswer>();
  return async (req, res, next) => {
    const { principal, authError } = req as AuthenticatedRequest;
    const shared = answers.get(req.url);
    // The same access check as the procedure's; a refusal goes to the adapter, which says why.
    if (shared && shared.generation === cache.generation && Date.now() < shared.until && cache.live && !accessError(principal ?? null, authError ?? null, scope)) {
      return send(res, shared.body);
    }
    const query = adapterQuery(req.query);
    if (!query) return next();
    const generation = cache.generation; // before the call: a change during it makes the answer stale at once
    let output: unknown;
    try {
      output = await call(createCaller(createContext({ req })), query as QueryInput);
    } catch {
      return next(); // the adapter answers, with the error
    }
    const body = JSON.stringify(output);
    if (answers.size >= MAX_SHARED_ANSWERS) answers.clear();
    answers.set(req.url, { body, generation, until: Date.now() + SHARED_ANSWER_MS });
    send(res, body);
  };
}

function send(res: Parameters<RequestHandler>[1], body: string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  res.end(body);
}

/** One lookup by path (not a router: its matching was a share of each read); GET only (HEAD: the adapter). */
export function hotReads(createContext: (opts: { req: Request }) => Context, cache: ReadCache): RequestHandler {
  const routes = new Map<string, RequestHandler>([
    ['/api/predictions/latest', hotRead(appRouter.predictions.latest, (caller, input) => caller.predictions.latest(input), createContext, cache)],
    ['/api/market-data/latest', hotRead(appRouter.marketData.latest, (caller, input) => caller.marketData.latest(input), createContext, cache)],
    ['/api/trading/signals', hotRead(appRouter.trading.signals, (caller, input) => caller.trading.signals(input), createContext, cache)],
  ]);
  return (req, res, next) => {
    const route = req.method === 'GET' ? routes.get(req.path) : undefined;
    return route ? route(req, res, next) : next();
  };
}
