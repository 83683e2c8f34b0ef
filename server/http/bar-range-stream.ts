// GET /api/market-data/range, streamed. A year of 1m bars is ~14 MB of JSON; through the REST
// adapter the procedure's answer cost ~4x the query (zod validating 100,000 output objects, one
// big JSON.stringify, the garbage of both). This handler serves only the procedure's success case
// (same scope, same input schema, same body) and writes the JSON while PostgreSQL is still sending
// rows. Anything else - no key, a missing scope, invalid input, a database error before the first
// byte - falls through to the procedure itself, so every error still comes from one place. The
// procedure also defines the route in the OpenAPI document and serves the SPA over tRPC.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestHandler } from 'express';
import { BarRangeQuerySchema } from '../market-data/schema';
import type { Services } from '../services';
import { hasScope } from '../trpc';
import type { AuthenticatedRequest } from './authenticate';

export const BAR_RANGE_PATH = '/api/market-data/range';

/** The query string as the REST adapter hands it to the procedure, or null if a key repeats. */
function singleValues(query: unknown): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (typeof value !== 'string') return null;
    out[key] = value;
  }
  return out;
}

export function streamBarRange(services: Pick<Services, 'marketData'>): RequestHandler {
  return async (req, res, next) => {
    const { principal } = req as AuthenticatedRequest;
    const query = singleValues(req.query);
    const input = principal && hasScope(principal, 'market:read') && query ? BarRangeQuerySchema.safeParse(query) : null;
    if (!input?.success) return next();
    const { ticker, timeframe, from, to, limit } = input.data;
    const rows = services.marketData.streamBarsInRangeJson(ticker, timeframe, from, to, limit);
    let step: IteratorResult<Buffer, number>;
    try {
      step = await rows.next();
    } catch (error) {
      req.log.warn({ err: error }, 'streamed range read failed; the procedure answers instead');
      return next();
    }
    // The plan's envelope with `count` last: it is known only once every row is out.
    res.status(200).setHeader('Content-Type', 'application/json');
    async function* body() {
      try {
        yield `{"success":true,"ticker":${JSON.stringify(ticker)},"timeframe":${JSON.stringify(timeframe)},"data":[`;
        for (; !step.done; step = await rows.next()) yield step.value;
        yield `],"count":${step.value}}`;
      } finally {
        await rows.return(0); // a client gone mid-body: end the COPY and free its connection
      }
    }
    try {
      await pipeline(Readable.from(body()), res);
    } catch (error) {
      // The client went away, or the database failed mid-body: the response is cut short, which
      // the client sees as an incomplete body (never as a shorter, complete-looking one).
      req.log.warn({ err: error }, 'range stream ended early');
    }
  };
}
