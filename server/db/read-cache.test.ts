// The read cache on its own: what it keeps, for how long, and what drops it (the two-instance
// behaviour over HTTP is in server/http/hot-reads.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { ReadCache } from './read-cache';

let db: TestDatabase;
let cache: ReadCache;

beforeAll(async () => {
  db = await createTestDatabase();
  cache = new ReadCache(db.pool, { ttlMs: 2000 });
  await cache.start();
});
afterAll(async () => {
  await cache.stop();
  await db.drop();
});

/** A loader that counts its calls and returns the count. */
function counter() {
  let calls = 0;
  return { load: async () => ++calls, calls: () => calls };
}

describe('ReadCache', () => {
  it('loads once for concurrent reads of a key, and keeps the value no longer than its bound', async () => {
    const bars = counter();
    expect(await Promise.all([1, 2, 3].map(() => cache.get('k1', ['market_data'], bars.load)))).toEqual([1, 1, 1]);
    expect(await cache.get('k1', ['market_data'], bars.load)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await cache.get('k1', ['market_data'], bars.load)).toBe(2);
  });

  it('drops only what was read from the table that changed', async () => {
    const bars = counter();
    const predictions = counter();
    await cache.get('bars', ['market_data'], bars.load);
    await cache.get('predictions', ['predictions', 'models'], predictions.load);
    cache.invalidate('models');
    expect(await cache.get('bars', ['market_data'], bars.load)).toBe(1);
    expect(await cache.get('predictions', ['predictions', 'models'], predictions.load)).toBe(2);
  });

  it('does not serve a load that an invalidation overtook to reads that start after it', async () => {
    let release!: (value: string) => void;
    const slow = cache.get('race', ['predictions'], () => new Promise<string>((resolve) => (release = resolve)));
    cache.invalidate('predictions'); // a write committed while the query was out
    const fresh = cache.get('race', ['predictions'], async () => 'new rows');
    release('old rows');
    expect(await slow).toBe('old rows'); // the read that started before the write
    expect(await fresh).toBe('new rows');
    expect(await cache.get('race', ['predictions'], async () => 'not loaded')).toBe('new rows');
  });

  it('does not keep a failed load', async () => {
    await expect(cache.get('fails', ['models'], () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await cache.get('fails', ['models'], async () => 'back')).toBe('back');
  });

  it('passes every read through when not started', async () => {
    const idle = new ReadCache(db.pool);
    const bars = counter();
    await idle.get('k', ['market_data'], bars.load);
    expect(await idle.get('k', ['market_data'], bars.load)).toBe(2);
  });
});
