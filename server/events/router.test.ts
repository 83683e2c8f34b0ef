// The SPA's subscription (events.live) through the app router: channel scopes, tracked ids, resume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCallers, type TestCallers } from '../testing/caller';
import { EventRepository } from './repository';
import type { FeedEvent } from './schema';

let t: TestCallers;

beforeAll(async () => {
  t = await createTestCallers();
  await t.services.events.start();
});
afterAll(async () => {
  await t.services.events.stop();
  await t.db.drop();
});

const bar = (ticker: string, n: number) => ({ topic: 'bar' as const, name: 'bar.upserted' as const, ticker, timeframe: '1m', payload: { n } });

type Item = { id: string; data: { kind: 'event'; event: FeedEvent } | { kind: 'reset'; latestId: string } };

/** Reads `count` items from the subscription (a caller sees `tracked` envelopes: [id, data]), then ends it. */
async function take(iterable: AsyncIterable<unknown>, count: number): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of iterable) {
    const [id, data] = item as [string, Item['data']];
    items.push({ id, data });
    if (items.length === count) break;
  }
  return items;
}

describe('events.live', () => {
  it('refuses a channel without its scope, and unknown channels', async () => {
    const asMarket = t.as(['market:read']);
    await expect(take(await asMarket.events.live({ channels: ['orders'] }), 1)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(take(await asMarket.events.live({ channels: ['nope:SPY'] }), 1)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(t.as(null).events.live({ channels: ['bars:SPY'] })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('yields matching events tracked by their feed id, and resumes after a lastEventId', async () => {
    const caller = t.as(['market:read']);
    const live = take(await caller.events.live({ channels: ['bars:SPY:1m'] }), 2);
    await new Promise((resolve) => setTimeout(resolve, 200)); // subscribed
    const ids = await new EventRepository(t.db.pool).append([bar('SPY', 1), bar('QQQ', 2), bar('SPY', 3)]);
    const items = await live;
    expect(items.map((i) => i.id)).toEqual([ids[0], ids[2]]);
    expect(items.map((i) => i.data.kind === 'event' && i.data.event.payload)).toEqual([{ n: 1 }, { n: 3 }]);
    // A reconnect after the first: only the second again.
    const resumed = await take(await caller.events.live({ channels: ['bars:SPY:1m'], lastEventId: ids[0] }), 1);
    expect(resumed.map((i) => i.id)).toEqual([ids[2]]);
  });
});
