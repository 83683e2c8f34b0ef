import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { EventHub } from './hub';
import { EventRepository } from './repository';
import type { FeedEvent, NewEvent } from './schema';

let db: TestDatabase;
let repository: EventRepository;

const bar = (ticker: string, n: number): NewEvent => ({ topic: 'bar', name: 'bar.upserted', ticker, timeframe: '1m', payload: { n } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** A writer whose transaction appends and then lingers before COMMIT, as a slow writer would. */
async function appendSlowly(events: NewEvent[], lingerMs: number): Promise<string[]> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const ids = await repository.appendInTransaction(client, events);
    await sleep(lingerMs);
    await client.query('COMMIT');
    return ids;
  } finally {
    client.release();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  repository = new EventRepository(db.pool);
});
afterAll(() => db.drop());
beforeEach(() => db.pool.query('TRUNCATE events'));

describe('event feed storage', () => {
  it('assigns ids in commit order, so a reader polling "after N" never misses a slow writer', async () => {
    const seen: string[] = [];
    let cursor = '0';
    let writing = true;
    const reader = (async () => {
      while (writing) {
        for (const e of await repository.after(cursor)) {
          seen.push(e.id);
          cursor = e.id;
        }
        await sleep(1);
      }
    })();
    // Six writers; each transaction lingers a random while between its append and its COMMIT.
    const written = (
      await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          const ids: string[] = [];
          for (let i = 0; i < 8; i += 1) ids.push(...(await appendSlowly([bar('SPY', w * 100 + i)], Math.random() * 15)));
          return ids;
        }),
      )
    ).flat();
    writing = false;
    await reader;
    for (const e of await repository.after(cursor)) seen.push(e.id);
    expect(seen).toEqual([...written].sort((a, b) => Number(a) - Number(b)));
  });

  it('keeps the order of one append and drops a rolled-back one', async () => {
    const ids = await repository.append([bar('SPY', 1), bar('QQQ', 2), { topic: 'order', name: 'order.filled', payload: { id: 'x' } }]);
    const client = await db.pool.connect();
    await client.query('BEGIN');
    await repository.appendInTransaction(client, [bar('SPY', 3)]);
    await client.query('ROLLBACK');
    client.release();
    const stored = await repository.after('0');
    expect(stored.map((e) => e.id)).toEqual(ids);
    expect(stored.map((e) => e.payload)).toEqual([{ n: 1 }, { n: 2 }, { id: 'x' }]);
    expect(stored[2]).toMatchObject({ topic: 'order', ticker: null, timeframe: null });
    expect(await repository.after('0', { topics: ['bar'], tickers: ['QQQ'] })).toHaveLength(1);
  });

  it('refuses unknown topics and names outside their topic', async () => {
    await expect(repository.append([{ topic: 'nope' as 'bar', name: 'bar.x', payload: {} }])).rejects.toMatchObject({ code: '23514' });
    await expect(repository.append([{ topic: 'bar', name: 'order.filled', payload: {} }])).rejects.toMatchObject({ code: '23514' });
    expect(await repository.latestId()).toBe('0');
  });

  it('prunes by age, as a prefix of the feed', async () => {
    await repository.append([bar('SPY', 1), bar('SPY', 2), bar('SPY', 3), bar('SPY', 4)]);
    // n=2 is old (a long transaction's event is stamped at its start): n=1 goes with it, n=3 and 4 stay.
    await db.pool.query(`UPDATE events SET created_at = now() - interval '2 days' WHERE payload->>'n' = '2'`);
    expect(await repository.prune(new Date(Date.now() - 86_400_000))).toBe(2);
    expect((await repository.after('0')).map((e) => e.payload)).toEqual([{ n: 3 }, { n: 4 }]);
  });
});

describe('event hub', () => {
  it('delivers an event appended anywhere to every instance, filtered per subscriber', async () => {
    const hubs = [new EventHub(new EventRepository(db.pool), db.pool.options), new EventHub(new EventRepository(db.pool), db.pool.options)];
    await Promise.all(hubs.map((h) => h.start()));
    const got: FeedEvent[][] = [[], [], []];
    hubs[0]!.subscribe({}, (e) => got[0]!.push(e));
    hubs[1]!.subscribe({ tickers: ['QQQ'] }, (e) => got[1]!.push(e));
    hubs[1]!.subscribe({ topics: ['order'] }, (e) => got[2]!.push(e));
    await repository.append([bar('SPY', 1), bar('QQQ', 2)]);
    await repository.append([{ topic: 'order', name: 'order.filled', payload: { id: 'o1' } }]);
    await until(() => got[0]!.length === 3 && got[1]!.length === 1 && got[2]!.length === 1);
    expect(got[0]!.map((e) => e.name)).toEqual(['bar.upserted', 'bar.upserted', 'order.filled']);
    expect(got[1]![0]).toMatchObject({ ticker: 'QQQ', payload: { n: 2 } });
    // Delivered from the notifications' payloads (no read), exactly as the table holds them.
    expect(got[0]).toEqual(await repository.after('0'));
    await Promise.all(hubs.map((h) => h.stop()));
  });

  it('reads the table when a notification does not follow on (a rolled-back append left a gap, a batch too large to carry)', async () => {
    const hub = new EventHub(repository, db.pool.options);
    await hub.start();
    const got: FeedEvent[] = [];
    hub.subscribe({}, (e) => got.push(e));
    const client = await db.pool.connect();
    await client.query('BEGIN');
    await repository.appendInTransaction(client, [bar('SPY', 0)]);
    await client.query('ROLLBACK');
    client.release();
    await repository.append([bar('SPY', 1)]);
    // ~200 events of ~60 bytes: over NOTIFY's 8000-byte cap, so only the newest id is sent.
    await repository.append(Array.from({ length: 200 }, (_, i) => bar('QQQ', 2 + i)));
    await repository.append([bar('SPY', 202)]);
    await until(() => got.length === 202);
    expect(got).toEqual(await repository.after('0'));
    await hub.stop();
  });

  it('catches up on what was appended while its listener was down', async () => {
    const hub = new EventHub(repository, { ...db.pool.options });
    await hub.start();
    const got: string[] = [];
    hub.subscribe({}, (e) => got.push(e.id));
    await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'quantbase-listen-qb_events' AND datname = current_database()`);
    await until(() => !hub.live);
    const ids = [...(await repository.append([bar('SPY', 1)])), ...(await repository.append([bar('SPY', 2)]))];
    await until(() => got.length === 2);
    expect(got).toEqual(ids);
    expect(hub.live).toBe(true);
    await hub.stop();
  });

  it('subscribeFrom replays what came after an id, then goes live, without gaps or repeats', async () => {
    const hub = new EventHub(repository, db.pool.options);
    await hub.start();
    const [first] = await repository.append([bar('SPY', 0)]);
    const before = await repository.append([bar('SPY', 1), bar('QQQ', 2), bar('SPY', 3)]);
    const writing = (async () => {
      const ids: string[] = [];
      for (let i = 4; i < 40; i += 1) ids.push(...(await repository.append([bar(i % 2 ? 'SPY' : 'QQQ', i)])));
      return ids;
    })();
    const got: FeedEvent[] = [];
    const unsubscribe = await hub.subscribeFrom(first!, { tickers: ['SPY'] }, (e) => got.push(e));
    const during = await writing;
    const expected = (await repository.after(first!, { tickers: ['SPY'] })).map((e) => e.id);
    await until(() => got.length === expected.length);
    await sleep(100);
    expect(got.map((e) => e.id)).toEqual(expected);
    expect(expected).toEqual(expect.arrayContaining([before[0], before[2]]));
    expect(during.length).toBe(36);
    unsubscribe();
    await hub.stop();
  });
});
