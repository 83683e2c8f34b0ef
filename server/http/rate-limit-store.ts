// express-rate-limit store backed by PostgreSQL (the `rate_limit_counters` table), so every app
// instance sharing the database enforces one limit per key, in fixed windows.
//
// The common request costs no database round trip: each instance counts hits in memory on top of
// the key's global count as of its last sync, and a timer sends every key's pending hits in one
// statement each flush interval (100 ms), reading the global counts back. A key syncs with an
// upsert of its own when its window starts here, and when this instance has not counted it for a
// flush interval (so an instance coming back to a key does not start from an old count).
//
// Within one instance the count is exact. Across instances a hit reaches the others only after its
// own instance's flush and their next sync, so a key can be over-admitted by what the other
// instances counted in about the last two flush intervals (plus the round trips). When the
// database is unreachable, keys with an open window keep counting here and their hits are sent
// once it is back; a key without one fails its request, as before.
import type pg from 'pg';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { logger } from '../logger';

/** One key's current window as this instance sees it. */
interface KeyWindow {
  /** The database's reset_at, in ms. */
  resetAt: number;
  /** Global hits as of the last sync. */
  base: number;
  /** Hits counted here since, not yet flushed. */
  local: number;
  /** When the last sync happened (Date.now()). */
  syncedAt: number;
}

interface CounterRow {
  key: string;
  hits: number;
  reset_at: Date;
}

export interface PostgresRateLimitStoreOptions {
  prefix?: string;
  flushIntervalMs?: number;
}

// Adds each key's hits to its window, or starts a new window when the stored one has ended.
const ADD_HITS = `
  INSERT INTO rate_limit_counters AS c (key, hits, reset_at)
  SELECT key, hits, now() + make_interval(secs => $3 / 1000.0)
  FROM unnest($1::text[], $2::int[]) AS pending(key, hits)
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN c.reset_at <= now() THEN EXCLUDED.hits ELSE c.hits + EXCLUDED.hits END,
    reset_at = CASE WHEN c.reset_at <= now() THEN EXCLUDED.reset_at ELSE c.reset_at END
  RETURNING key, hits, reset_at`;

export class PostgresRateLimitStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;
  private windowMs = 60_000;
  private readonly flushIntervalMs: number;
  private readonly windows = new Map<string, KeyWindow>();
  /** Upserts in flight, per key: requests arriving meanwhile wait for them instead of sending their own. */
  private readonly syncs = new Map<string, Promise<ClientRateLimitInfo>>();
  private flushing: Promise<boolean> | undefined;
  private flushFailing = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresRateLimitStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'rl:';
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    // A tick while a flush is still running would only queue behind it.
    this.timer = setInterval(() => {
      if (!this.flushing) void this.flush();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const known = this.windows.get(key);
    if (known && this.isInSync(known)) return this.countHere(known);
    const inFlight = this.syncs.get(key);
    if (inFlight) return this.joinSync(key, inFlight);
    const sync = this.addHit(key).finally(() => this.syncs.delete(key));
    this.syncs.set(key, sync);
    try {
      return await sync;
    } catch (error) {
      return this.countHereOrThrow(key, error);
    }
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const known = this.windows.get(key);
    if (known && Date.now() < known.resetAt) return { totalHits: known.base + known.local, resetTime: new Date(known.resetAt) };
    const { rows } = await this.pool.query<CounterRow>(
      `SELECT hits, reset_at FROM rate_limit_counters WHERE key = $1 AND reset_at > now()`,
      [this.prefix + key],
    );
    return rows[0] && { totalHits: rows[0].hits, resetTime: rows[0].reset_at };
  }

  async decrement(key: string): Promise<void> {
    // In the database, so flushes only ever add; the local view follows until the next sync.
    await this.pool.query(`UPDATE rate_limit_counters SET hits = greatest(hits - 1, 0) WHERE key = $1`, [this.prefix + key]);
    const known = this.windows.get(key);
    if (known) known.base = Math.max(known.base - 1, 0);
  }

  async resetKey(key: string): Promise<void> {
    this.windows.delete(key);
    await this.pool.query(`DELETE FROM rate_limit_counters WHERE key = $1`, [this.prefix + key]);
  }

  /**
   * Sends every key's pending hits in one statement and takes the global counts back. Resolves
   * false when the database could not take them; they stay pending for the next flush.
   */
  async flush(): Promise<boolean> {
    while (this.flushing) await this.flushing;
    this.flushing = this.sendPending().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Drops expired windows; run periodically so the table stays small. */
  async prune(): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM rate_limit_counters WHERE reset_at <= now()`);
    return rowCount ?? 0;
  }

  /** False when the window ended, or when it went a flush interval without hits here (nothing flushed it since). */
  private isInSync(window: KeyWindow): boolean {
    const now = Date.now();
    return now < window.resetAt && (window.local > 0 || now - window.syncedAt < this.flushIntervalMs);
  }

  private countHere(window: KeyWindow): ClientRateLimitInfo {
    window.local += 1;
    return { totalHits: window.base + window.local, resetTime: new Date(window.resetAt) };
  }

  /** Adds this request's hit in the database and starts the key's window here from the result. */
  private async addHit(key: string): Promise<ClientRateLimitInfo> {
    const { rows } = await this.pool.query<CounterRow>(ADD_HITS, [[this.prefix + key], [1], this.windowMs]);
    const { hits, reset_at } = rows[0]!;
    this.windows.set(key, { resetAt: reset_at.getTime(), base: hits, local: 0, syncedAt: Date.now() });
    return { totalHits: hits, resetTime: reset_at };
  }

  private async joinSync(key: string, sync: Promise<ClientRateLimitInfo>): Promise<ClientRateLimitInfo> {
    try {
      await sync;
    } catch (error) {
      return this.countHereOrThrow(key, error);
    }
    const synced = this.windows.get(key);
    // Reset, or a window shorter than the wait: start over.
    return synced && Date.now() < synced.resetAt ? this.countHere(synced) : this.increment(key);
  }

  /** The database failed: a window still open here keeps counting locally; without one the request fails. */
  private countHereOrThrow(key: string, error: unknown): ClientRateLimitInfo {
    const open = this.windows.get(key);
    if (open && Date.now() < open.resetAt) return this.countHere(open);
    throw error;
  }

  private async sendPending(): Promise<boolean> {
    const now = Date.now();
    const batch = new Map<string, { key: string; window: KeyWindow; hits: number }>();
    for (const [key, window] of this.windows) {
      // A window that ended here is over: its unsent hits must not leak into the next one.
      if (now >= window.resetAt) this.windows.delete(key);
      else if (window.local > 0) batch.set(this.prefix + key, { key, window, hits: window.local });
    }
    if (batch.size === 0) return true;
    // Sorted so that instances flushing the same keys lock their rows in the same order (no deadlock).
    const storedKeys = [...batch.keys()].sort();
    let rows: CounterRow[];
    try {
      ({ rows } = await this.pool.query<CounterRow>(ADD_HITS, [storedKeys, storedKeys.map((k) => batch.get(k)!.hits), this.windowMs]));
    } catch (error) {
      if (!this.flushFailing) logger.warn({ err: error }, 'rate limits: cannot flush counters; counting locally until the database is back');
      this.flushFailing = true;
      return false;
    }
    if (this.flushFailing) logger.info('rate limits: counters flushed again');
    this.flushFailing = false;
    const syncedAt = Date.now();
    for (const row of rows) {
      const { key, window, hits } = batch.get(row.key)!;
      // Reset or replaced by a new window while the flush was out: the result is not about it.
      if (this.windows.get(key) !== window) continue;
      window.local -= hits; // hits counted during the flush stay pending
      window.base = row.hits;
      window.resetAt = row.reset_at.getTime();
      window.syncedAt = syncedAt;
    }
    return true;
  }
}
