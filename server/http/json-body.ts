// JSON request bodies for /api and /trpc: express.json() within the body limit, then a cap on
// nesting. JSON.parse takes any depth, but what runs after it recurses (the REST adapter
// stringifies the body again, zod walks it, jsonb columns store it): 10,000 levels overflow the
// stack, which would be a 500. A body nested deeper than MAX_JSON_DEPTH is a 400 instead.
import express, { type RequestHandler } from 'express';
import { MAX_JSON_DEPTH } from '../shared/limits';

/** True when `value` has more than `max` levels of arrays and objects, checked without recursion. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

const refuseDeepJson: RequestHandler = (req, _res, next) => {
  if (!nestedDeeperThan(req.body, MAX_JSON_DEPTH)) return next();
  // The error handler maps it by `type`, as it does express.json()'s own errors (server/errors.ts).
  next(Object.assign(new Error(`JSON body nested deeper than ${MAX_JSON_DEPTH} levels`), { type: 'entity.too.deep', status: 400 }));
};

export function jsonBody(limit: string): RequestHandler[] {
  return [express.json({ limit }), refuseDeepJson];
}
