// Database faults at the HTTP edge. While the availability monitor says PostgreSQL is down, API
// requests get 503 at once (no connect attempt, no wait), and every 503 this app sends, from here,
// a procedure or the error handler, says when to come back in Retry-After.
import type { RequestHandler, Response } from 'express';
import { DATABASE_UNAVAILABLE_MESSAGE, type DatabaseAvailability } from '../db/availability';
import { toHttpError } from '../errors';
import { DomainError } from '../shared/domain-error';

/** The monitor probes every 0.5 s, so a retry a second later finds the database back if it is. */
const RETRY_AFTER_SECONDS = '1';

/** Answer without the database: liveness and health (they report the outage themselves), the API's own docs. */
const NEEDS_NO_DATABASE = /^\/(health|openapi\.json|docs)(\/|$)/;

/** Mounted on the API prefixes (/api, /trpc, /auth), before anything that touches the database. */
export function failFastWhileDatabaseDown(availability: DatabaseAvailability): RequestHandler {
  return (req, res, next) => {
    if (availability.available || NEEDS_NO_DATABASE.test(req.path)) return next();
    const { status, body } = toHttpError(new DomainError('unavailable', DATABASE_UNAVAILABLE_MESSAGE));
    res.status(status).json(body);
  };
}

/** Sets Retry-After on any 503 just before the headers go out, whoever wrote the response. */
export const retryAfterOn503: RequestHandler = (_req, res, next) => {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, ...args: Parameters<typeof writeHead>) {
    if (args[0] === 503 && !this.hasHeader('Retry-After')) this.setHeader('Retry-After', RETRY_AFTER_SECONDS);
    return writeHead.apply(this, args);
  } as typeof writeHead;
  next();
};
