// The PostgreSQL rate-limit store against a real database: exact counts within one instance, one
// shared count across instances, windows ending, and a database that goes away.
import type { Options } from 'express-rate-limit';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { PostgresRateLimitStore, type PostgresRateLimitStoreOptions } from './rate-limit-store';

let db: TestDatabase;
const stores: PostgresRateLimitStore[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.shutdown();
});
afterAll(() => db.drop());

/** A store on `pool` whose timer stays out of the way unless the test asks for a short interval. */
function newStore(options: PostgresRateLimitStoreOptions & { windowMs?: number } = {}, pool = db.pool) {
  const store = new PostgresRateLimitStore(pool, { flushIntervalMs: 60_000, ...options });
  store.init({ windowMs: options.windowMs ?? 60_000 } as Options);
  stores.push(store);
  return store;
}

async function storedRow(key: string) {
  const { rows } = await db.pool.query<{ hits: number; reset_at: Date }>(`SELECT hits, reset_at FROM rate_limit_counters WHERE key = $1`, ['rl:' + key]);
  return rows[0];
}

async function incrementTimes(store: PostgresRateLimitStore, key: string, times: number) {
  const totals: number[] = [];
  for (let i = 0; i < times; i++) totals.push((await store.increment(key)).totalHits);
  return totals;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgresRateLimitStore', () => {
  it('counts exactly within one instance, writing only the first hit until it flushes', async () => {
    const store = newStore();
    const limit = 5;
    expect(await incrementTimes(store, 'burst', limit + 2)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await storedRow('burst'))!.hits).toBe(1);
    expect(await store.get('burst')).toMatchObject({ totalHits: limit + 2 });
    expect(await store.flush()).toBe(true);
    expect((await storedRow('burst'))!.hits).toBe(limit + 2);
  });

  it('keeps hits counted while a flush is out pending for the next one', async () => {
    const store = newStore();
    await incrementTimes(store, 'during', 3);
    const flushed = store.flush();
    expect(await incrementTimes(store, 'during', 2)).toEqual([4, 5]);
    await flushed;
    expect((await storedRow('during'))!.hits).toBe(3);
    expect((await store.increment('during')).totalHits).toBe(6);
    await store.flush();
    expect((await storedRow('during'))!.hits).toBe(6);
  });

  it('flushes on its timer', async () => {
    const store = newStore({ flushIntervalMs: 50 });
    await incrementTimes(store, 'timer', 7);
    await vi.waitFor(async () => expect((await storedRow('timer'))!.hits).toBe(7), { timeout: 2_000, interval: 20 });
  });

  it('shares one count between instances: a flush brings back the hits the others flushed', async () => {
    const a = newStore();
    const b = newStore();
    expect(await incrementTimes(a, 'shared', 3)).toEqual([1, 2, 3]);
    // b's first hit syncs and sees a's first (the only one a has written so far).
    expect(await incrementTimes(b, 'shared', 4)).toEqual([2, 3, 4, 5]);
    await a.flush();
    await b.flush();
    expect((await storedRow('shared'))!.hits).toBe(7);
    expect((await b.increment('shared')).totalHits).toBe(8);
    // a last synced before b flushed; its own next flush brings b's flushed hits in.
    expect((await a.increment('shared')).totalHits).toBe(5);
    await a.flush();
    expect((await storedRow('shared'))!.hits).toBe(8);
    expect((await a.increment('shared')).totalHits).toBe(9);
  });

  it('re-syncs a key on its next hit once it has gone a flush interval without hits here', async () => {
    const a = newStore({ flushIntervalMs: 100 });
    const b = newStore({ flushIntervalMs: 100 });
    await incrementTimes(a, 'idle', 2);
    await incrementTimes(b, 'idle', 5);
    await a.flush();
    await b.flush();
    await sleep(150);
    // Without the re-sync a would go on from its own 2.
    expect((await a.increment('idle')).totalHits).toBe(8);
    expect((await b.increment('idle')).totalHits).toBe(9);
  });

  it('starts a new window at 1 when the window ended, dropping the ended window\'s unsent hits', async () => {
    const store = newStore({ windowMs: 200 });
    expect(await incrementTimes(store, 'window', 4)).toEqual([1, 2, 3, 4]);
    const first = (await storedRow('window'))!;
    await sleep(250);
    await store.flush();
    expect((await storedRow('window'))!.hits).toBe(1);
    expect(await incrementTimes(store, 'window', 3)).toEqual([1, 2, 3]);
    const second = (await storedRow('window'))!;
    expect(second.hits).toBe(1);
    expect(second.reset_at.getTime()).toBeGreaterThan(first.reset_at.getTime());
    await store.flush();
    expect((await storedRow('window'))!.hits).toBe(3);
  });

  it('sends one upsert for concurrent first hits and counts the others locally', async () => {
    const store = newStore();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.increment('concurrent')));
    expect(results.map((r) => r.totalHits).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await storedRow('concurrent'))!.hits).toBe(1);
    await store.flush();
    expect((await storedRow('concurrent'))!.hits).toBe(20);
  });

  it('keeps hits pending when the database rejects a flush, and sends them once it is back', async () => {
    const store = newStore();
    expect(await incrementTimes(store, 'rejected', 3)).toEqual([1, 2, 3]);
    await db.pool.query(`ALTER TABLE rate_limit_counters RENAME TO rate_limit_counters_away`);
    try {
      expect(await store.flush()).toBe(false);
      expect(await incrementTimes(store, 'rejected', 2)).toEqual([4, 5]);
    } finally {
      await db.pool.query(`ALTER TABLE rate_limit_counters_away RENAME TO rate_limit_counters`);
    }
    expect(await store.flush()).toBe(true);
    expect((await storedRow('rejected'))!.hits).toBe(5);
  });

  it('keeps counting locally when the database connection is gone, without unhandled rejections', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      const store = newStore({ flushIntervalMs: 20 }, pool);
      expect(await incrementTimes(store, 'gone', 2)).toEqual([1, 2]);
      expect(await store.flush()).toBe(true);
      await pool.end();
      await sleep(50);
      // Idle past a flush interval: the re-sync fails and the open window counts locally.
      expect(await incrementTimes(store, 'gone', 3)).toEqual([3, 4, 5]);
      expect(await store.flush()).toBe(false);
      await sleep(150); // several timer flushes fail meanwhile
      expect((await store.increment('gone')).totalHits).toBe(6);
      expect(await store.get('gone')).toMatchObject({ totalHits: 6 });
      // A key without an open window cannot be counted: the request fails, as without the cache.
      await expect(store.increment('never-seen')).rejects.toThrow();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect((await storedRow('gone'))!.hits).toBe(2);
  });

  it('flushes pending hits on shutdown and stops its timer', async () => {
    const store = new PostgresRateLimitStore(db.pool, { flushIntervalMs: 50 });
    store.init({ windowMs: 60_000 } as Options);
    await incrementTimes(store, 'shutdown', 3);
    await store.shutdown();
    expect((await storedRow('shutdown'))!.hits).toBe(3);
    await store.increment('shutdown');
    await sleep(150);
    expect((await storedRow('shutdown'))!.hits).toBe(3);
  });

  it('resets a key here and in the database, and decrements both views', async () => {
    const store = newStore();
    await incrementTimes(store, 'reset', 4);
    await store.flush();
    await store.decrement('reset');
    expect(await store.get('reset')).toMatchObject({ totalHits: 3 });
    expect((await storedRow('reset'))!.hits).toBe(3);
    await store.resetKey('reset');
    expect(await storedRow('reset')).toBeUndefined();
    expect(await store.get('reset')).toBeUndefined();
    expect((await store.increment('reset')).totalHits).toBe(1);
  });
});
