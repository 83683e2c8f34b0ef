// Instants on the wire, shared by every domain: ISO-8601 UTC strings out, coerced dates in.
import { z } from 'zod';

/** Outputs carry instants as ISO-8601 UTC strings (REST is plain JSON, see market-data's BarRowSchema). */
export const IsoDateTimeSchema = z.iso.datetime();

export function toIso(date: Date): string;
export function toIso(date: Date | null): string | null;
export function toIso(date: Date | null): string | null {
  return date && date.toISOString();
}

// Query inputs coerce explicitly: REST delivers query strings, and explicit coercion keeps the
// tRPC side behaving the same (see environment.md on trpc-to-openapi's coercion trap).
export const QueryDateSchema = z.coerce.date<Date | string | number>();

/**
 * Epoch ms of the earliest of `targetTimes` (null when there are none): what a cached list of open
 * predictions is good until, since each leaves it when its target time passes.
 */
export function firstToPass(targetTimes: Iterable<Date | string>): number | null {
  let first: number | null = null;
  for (const time of targetTimes) {
    const ms = typeof time === 'string' ? Date.parse(time) : time.getTime();
    if (first === null || ms < first) first = ms;
  }
  return first;
}
