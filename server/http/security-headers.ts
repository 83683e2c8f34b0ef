// helmet's security headers, worked out once. With static options every response gets the same
// headers, so they are set in one call rather than by helmet's dozen middleware on every request
// (a noticeable share of a cached read).
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

export function securityHeaders(options: HelmetOptions): RequestHandler {
  const headers = new Map<string, string>();
  const recorder = { setHeader: (name: string, value: string) => headers.set(name, value), removeHeader: () => undefined };
  let finished = false;
  helmet(options)({} as never, recorder as never, () => (finished = true));
  // A per-request option (a CSP nonce function) would need the real request: refuse it.
  if (!finished) throw new Error('securityHeaders: helmet did not finish synchronously; its options depend on the request');
  return (_req, res, next) => {
    res.setHeaders(headers);
    next();
  };
}
