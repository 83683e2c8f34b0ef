// The bots' hot reads - latest predictions, the latest bar, signals - called straight on their
// procedures, beside the REST adapter. With their data in the read cache (server/db/read-cache.ts),
// the adapter's own work was most of a request: it builds a fetch Request and an abort signal per
// call, matches the path against every route and re-walks the input schema. Here the same procedure
// runs through a tRPC caller (same middleware, scope check, input schema, output validation) and
// its output is sent as the adapter sends it, byte for byte. Anything but success - no key, a
// missing scope, invalid input, a database error - falls through to the adapter, which calls the
// procedure again, so every error still comes from one place.
import type { Request, RequestHandler } from 'express';
import { appRouter } from '../router';
import { createCallerFactory, type Context } from '../trpc';
import { adapterQuery } from './bar-stream';

const createCaller = createCallerFactory(appRouter);
type Caller = ReturnType<typeof createCaller>;
/** The query strings as the adapter passes them: the procedure's input schema coerces and checks them. */
type QueryInput = never;

function hotRead(call: (caller: Caller, input: QueryInput) => Promise<unknown>, createContext: (opts: { req: Request }) => Context): RequestHandler {
  return async (req, res, next) => {
    const query = adapterQuery(req.query);
    if (!query) return next();
    let output: unknown;
    try {
      output = await call(createCaller(createContext({ req })), query as QueryInput);
    } catch {
      return next(); // the adapter answers, with the error
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(output));
  };
}

/** One lookup by path (not a router: its matching was a share of each read); GET only (HEAD: the adapter). */
export function hotReads(createContext: (opts: { req: Request }) => Context): RequestHandler {
  const routes = new Map<string, RequestHandler>([
    ['/api/predictions/latest', hotRead((caller, input) => caller.predictions.latest(input), createContext)],
    ['/api/market-data/latest', hotRead((caller, input) => caller.marketData.latest(input), createContext)],
    ['/api/trading/signals', hotRead((caller, input) => caller.trading.signals(input), createContext)],
  ]);
  return (req, res, next) => {
    const route = req.method === 'GET' ? routes.get(req.path) : undefined;
    return route ? route(req, res, next) : next();
  };
}
