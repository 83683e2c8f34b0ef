// Several middleware run as one. Express's router does path matching and parameter bookkeeping at
// every layer it passes; for the handful of middleware every API request goes through, that was a
// measurable share of a cached read. Run in order; an error or a handler that answers stops the run.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function series(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined && error !== null) return done(error);
      const handler = handlers[index++];
      if (!handler) return done();
      try {
        const result = handler(req, res, next) as unknown;
        // Express 5 passes an async handler's rejection to the error handler: so do we.
        if (result instanceof Promise) result.catch(next);
      } catch (thrown) {
        next(thrown);
      }
    };
    next();
  };
}
