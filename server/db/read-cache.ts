// An in-process cache of the bots' hot reads (latest predictions, latest bars, signals) that stays
// right with several app instances on one database. Statement triggers on the tables it reads
// NOTIFY `read_cache_changed` with the table's name at commit (migration read_cache_notifications),
// whoever wrote (this instance, another one, a script, psql), and every instance drops what it
// cached from that table. Nothing is trusted while the LISTEN connection is down (every read goes
// to the database), and everything is dropped when it comes back: notifications sent meanwhile
// were lost. A write through this instance's API also drops everything before it answers (see
// server/trpc.ts), so a client reads its own write without waiting for the notification.
import type pg from 'pg';
import { listen, type NotificationListener } from './notifications';

/** The tables whose changes invalidate cached reads (each has the notifying trigger). */
export type CachedTable = 'market_data' | 'predictions' | 'models';

const READ_CACHE_CHANNEL = 'read_cache_changed';
/** Keys remembered at most; beyond that the cache starts over. */
const MAX_ENTRIES = 10_000;

interface Entry {
  /** The load's promise, shared by every read that arrives while it runs. */
  value: Promise<unknown>;
  tables: readonly CachedTable[];
  until: number;
}

export interface ReadCacheOptions {
  /**
   * How long an entry may be used at most (default 30 s): the bound on staleness should
   * notifications be lost without the connection failing (LISTEN through a transaction-pooling
   * proxy), or data vanish without a statement on the table (TimescaleDB's drop_chunks).
   */
  ttlMs?: number;
}

export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private listener: NotificationListener | null = null;
  private changes = 0;

  /** `pool`: whose connection settings the listener uses. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ReadCacheOptions = {},
  ) {}

  /**
   * A number that changes whenever something cached may have changed (any invalidation): what is
   * derived from cached reads stays valid while it holds (server/http/hot-reads.ts).
   */
  get generation(): number {
    return this.changes;
  }

  /** True while cached reads are served: the listener is up, so every change will reach us. */
  get live(): boolean {
    return this.listener?.live === true;
  }

  /** Turns caching on (the HTTP server does; CLIs and tests need not). Resolves once it is live. */
  async start(): Promise<void> {
    this.listener ??= listen(this.pool.options, READ_CACHE_CHANNEL, {
      onNotify: (table) => this.invalidate(table),
      onLiveChange: () => this.invalidateAll(),
    });
    await this.listener.ready;
  }

  async stop(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    this.invalidateAll();
    await listener?.close();
  }

  /**
   * What `load` returns for `key`, from memory while none of `tables` changed since it was loaded.
   * `key` must name everything the result depends on (the query and its parameters).
   */
  /**
   * `expiresAt`: when the loaded value goes stale by the clock alone (e.g. the first target time in
   * it to pass), in epoch ms, or null; the entry is dropped then if that is sooner than its bound.
   */
  get<T>(key: string, tables: readonly CachedTable[], load: () => Promise<T>, expiresAt?: (value: T) => number | null): Promise<T> {
    if (!this.live) return load();
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && now < cached.until) return cached.value as Promise<T>;
    // Stored while it runs, so concurrent misses share one query; an invalidation meanwhile removes
    // it, so a load that may have read the old rows is never served to a read that starts later.
    const entry: Entry = { value: load(), tables, until: now + (this.options.ttlMs ?? 30_000) };
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, entry);
    entry.value.then(
      (value) => {
        const at = expiresAt?.(value as T) ?? null;
        if (at !== null && at < entry.until) entry.until = at;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value as Promise<T>;
  }

  /** Drops every entry read from `table`. */
  invalidate(table: string): void {
    this.changes++;
    for (const [key, entry] of this.entries) {
      if ((entry.tables as readonly string[]).includes(table)) this.entries.delete(key);
    }
  }

  invalidateAll(): void {
    this.changes++;
    this.entries.clear();
  }
}
