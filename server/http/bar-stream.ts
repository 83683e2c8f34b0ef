// The two REST bar reads, streamed: GET /api/market-data (the last `limit` bars, up to 50,000) and
// GET /api/market-data/range (a year of 1m bars is ~14 MB of JSON). Through the REST adapter the
// procedures' answers cost several times the query (zod validating every output object, one big
// JSON.stringify, the garbage of both: 1.3 s for a year). These handlers serve only a procedure's
// success case (same scope, same input schema, same fields) and write the JSON while PostgreSQL is
// still sending rows. Anything else - no key, a missing scope, invalid input, a database error
// before the first byte - falls through to the procedure itself, so every error still comes from
// one place. The procedures also define the routes in the OpenAPI document and serve the SPA.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';
import { hasScope } from '../auth/principal';
import { BarRangeQuerySchema, BarsQuerySchema, type Timeframe } from '../market-data/schema';
import type { Services } from '../services';
import type { AuthenticatedRequest } from './authenticate';

type BarJson = AsyncGenerator<Buffer, number>;

/**
 * The query string as the REST adapter hands it to the procedure (it drops empty values), or null
 * if a key repeats.
 */
export function adapterQuery(query: unknown): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (typeof value !== 'string') return null;
    if (value) out[key] = value;
  }
  return out;
}

function streamed<S extends z.ZodType<{ ticker: string; timeframe: Timeframe }>>(schema: S, rows: (input: z.output<S>) => BarJson): RequestHandler {
  return async (req, res, next) => {
    const { principal } = req as AuthenticatedRequest;
    const query = adapterQuery(req.query);
    const input = principal && hasScope(principal, 'market:read') && query ? schema.safeParse(query) : null;
    if (!input?.success) return next();
    const { ticker, timeframe } = input.data;
    const json = rows(input.data);
    let step: IteratorResult<Buffer, number>;
    try {
      step = await json.next();
    } catch (error) {
      req.log.warn({ err: error }, 'streamed bar read failed; the procedure answers instead');
      return next();
    }
    // The plan's envelope with `count` last: it is known only once every row is out.
    res.status(200).setHeader('Content-Type', 'application/json');
    async function* body() {
      try {
        yield `{"success":true,"ticker":${JSON.stringify(ticker)},"timeframe":${JSON.stringify(timeframe)},"data":[`;
        for (; !step.done; step = await json.next()) yield step.value;
        yield `],"count":${step.value}}`;
      } finally {
        await json.return(0); // a client gone mid-body: end the COPY and free its connection
      }
    }
    try {
      await pipeline(Readable.from(body()), res);
    } catch (error) {
      // The client went away, or the database failed mid-body: the response is cut short, which
      // the client sees as an incomplete body (never as a shorter, complete-looking one).
      req.log.warn({ err: error }, 'bar stream ended early');
    }
  };
}

export function streamedBarReads(services: Pick<Services, 'marketData'>): Router {
  const { marketData } = services;
  return Router()
    .get('/api/market-data', streamed(BarsQuerySchema, (q) => marketData.streamHistoricalBarsJson(q.ticker, q.timeframe, q.limit, q.endDate)))
    .get('/api/market-data/range', streamed(BarRangeQuerySchema, (q) => marketData.streamBarsInRangeJson(q.ticker, q.timeframe, q.from, q.to, q.limit)));
}
