// Request pacing and retry timing for the Polygon client. No limiter library is installed, so this is
// a small token bucket: the free plan allows 5 requests a minute (one token every 12 s, burst 1, so
// no sliding minute ever sees a sixth request); paid plans are paced at N per second, under 100.
import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; an abort rejects with the signal's own reason (not a generic AbortError). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}

export type PolygonPlan = 'free' | 'starter' | 'developer';

export interface Pacer {
  /** Resolves when the next request may go out (first come, first served). */
  take(signal?: AbortSignal): Promise<void>;
  /** Holds every request back for `ms` (a 429's Retry-After applies to the whole key). */
  pause(ms: number): void;
}

export class TokenBucket implements Pacer {
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly capacity = 1,
    private readonly now: () => number = Date.now,
  ) {
    if (!(perSecond > 0) || !(capacity >= 1)) throw new Error(`Invalid token bucket ${perSecond}/s, burst ${capacity}`);
    this.tokens = capacity;
    this.refilledAt = now();
  }

  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  private async waitForToken(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
      this.refilledAt = now;
      const wait = Math.max(this.pausedUntil - now, this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.perSecond);
      if (wait <= 0) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(wait), signal);
    }
  }
}

/** No pacing: only for the local fake server (POLYGON_PACING=off). */
export const UNPACED: Pacer = {
  take: async (signal) => signal?.throwIfAborted(),
  pause: () => undefined,
};

export function pacerFor(plan: PolygonPlan, requestsPerSecond: number, pacing: 'on' | 'off'): Pacer {
  if (pacing === 'off') return UNPACED;
  return plan === 'free' ? new TokenBucket(5 / 60) : new TokenBucket(Math.min(requestsPerSecond, 99));
}

export interface BackoffOptions {
  /** First retry waits up to this long (full jitter). Default 1000 ms. */
  baseMs?: number;
  /** Ceiling of the exponential part. Default 60 s. */
  maxMs?: number;
  random?: () => number;
}

/**
 * Delay before retry number `retry` (0-based): "full jitter" - uniform in [0, min(max, base * 2^retry)]
 * - so clients that failed together do not retry together; never shorter than the server's Retry-After.
 */
export function retryDelayMs(retry: number, retryAfterMs: number | undefined, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 60_000;
  const jitter = Math.floor((options.random ?? Math.random)() * Math.min(max, base * 2 ** retry));
  return Math.max(retryAfterMs ?? 0, jitter);
}

/** Retry-After as delta-seconds or an HTTP date, in ms (capped at 10 minutes); undefined if absent/invalid. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(0, Math.round(ms)), 600_000) : undefined;
}
