// GET /api/stream across two app instances on one database: delivery, resume, reset, limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRepository } from '../events/repository';
import { startTestServer, type TestServer } from '../testing/http';
import { openSse, type SseClient, type SseFrame } from '../testing/sse';

let a: TestServer;
let b: TestServer;
let writer: string;
let reader: string;
let events: EventRepository;

const LIMITS = { STREAM_MAX_CONNECTIONS_PER_KEY: '2', STREAM_MAX_CHANNELS: '3', STREAM_HEARTBEAT_SECONDS: '0.2' };

beforeAll(async () => {
  a = await startTestServer(LIMITS);
  b = await startTestServer(LIMITS, a.db);
  writer = await a.key(['market:write']);
  reader = await a.key(['market:read', 'predictions:read']);
  events = new EventRepository(a.db.pool);
});
afterAll(async () => {
  await b.close();
  await a.close();
});

const T0 = Date.UTC(2025, 6, 1, 13, 30);
const bar = (ticker: string, minute: number, close = 500) => ({
  ticker,
  timeframe: '1m',
  timestamp: new Date(T0 + minute * 60_000).toISOString(),
  open: 500,
  high: 501,
  low: 499,
  close,
  volume: 100 + minute,
});

async function postBars(bars: unknown[]): Promise<void> {
  const res = await fetch(`${a.url}/api/market-data/bulk`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${writer}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ bars }),
  });
  expect(res.status).toBe(200);
}

const stream = (server: TestServer, channels: string, key = reader, headers: Record<string, string> = {}) =>
  openSse(`${server.url}/api/stream?channels=${encodeURIComponent(channels)}`, { Authorization: `Bearer ${key}`, ...headers });
const data = (f: SseFrame) => JSON.parse(f.data!) as { name: string; ticker: string; timeframe: string; payload: Record<string, unknown> };
const closeAll = async (clients: SseClient[]) => {
  clients.forEach((c) => c.close());
  await Promise.all(clients.map((c) => c.ended));
};

describe('GET /api/stream', () => {
  it('delivers a bar written through instance A to a client of instance B, filtered by its channels', async () => {
    const client = await stream(b, 'bars:SPY:1m');
    expect(client.status).toBe(200);
    await client.until((f) => f.some((x) => x.comment?.startsWith('channels bars:SPY:1m')));
    await postBars([bar('QQQ', 0)]); // another ticker: not on the channel
    await postBars([bar('SPY', 0, 500.5)]);
    await client.until(() => client.events().length === 1);
    const [frame] = client.events();
    expect(frame!.event).toBe('bar');
    expect(frame!.id).toMatch(/^\d+$/);
    expect(data(frame!)).toMatchObject({
      name: 'bar.upserted',
      ticker: 'SPY',
      timeframe: '1m',
      payload: { close: 500.5, count: 1, timestamp: new Date(T0).toISOString() },
    });
    // Heartbeats keep the idle stream open (every 0.2 s here).
    await client.until((f) => f.filter((x) => x.comment === 'heartbeat').length >= 2);
    await closeAll([client]);
  });

  it('a reconnect with Last-Event-ID receives exactly the events it missed', async () => {
    const first = await stream(b, 'bars:SPY,bars:IWM:1m');
    await first.until((f) => f.length > 0);
    await postBars([bar('SPY', 10)]);
    await first.until(() => first.events().length === 1);
    const seen = first.events()[0]!.id!;
    await closeAll([first]);
    // While it is away: two on its channels, one off them (QQQ), one on another timeframe of SPY (on `bars:SPY`).
    await postBars([bar('SPY', 11)]);
    await postBars([bar('QQQ', 11)]);
    await postBars([bar('IWM', 11), { ...bar('SPY', 11), timeframe: '5m' }]);
    const again = await stream(b, 'bars:SPY,bars:IWM:1m', reader, { 'Last-Event-ID': seen });
    await postBars([bar('SPY', 12)]); // and one after it is back
    await again.until(() => again.events().length === 4);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more (no repeats) arrives
    const got = again.events().map((f) => [data(f).ticker, data(f).timeframe, data(f).payload.timestamp]);
    expect(got).toEqual([
      ['SPY', '1m', new Date(T0 + 11 * 60_000).toISOString()],
      ['IWM', '1m', new Date(T0 + 11 * 60_000).toISOString()],
      ['SPY', '5m', new Date(T0 + 11 * 60_000).toISOString()],
      ['SPY', '1m', new Date(T0 + 12 * 60_000).toISOString()],
    ]);
    const ids = again.events().map((f) => BigInt(f.id!));
    expect(ids.every((id, i) => id > BigInt(seen) && (i === 0 || id > ids[i - 1]!))).toBe(true);
    await closeAll([again]);
  });

  it('starts with event: reset when Last-Event-ID is older than the events kept', async () => {
    await postBars([bar('SPY', 20)]);
    await postBars([bar('SPY', 21)]);
    // As the prune job would: everything before the minute-21 event goes.
    await a.db.pool.query(`DELETE FROM events WHERE id < (SELECT max(id) FROM events)`);
    const kept = await events.oldestId();
    const client = await stream(b, 'bars:SPY:1m', reader, { 'Last-Event-ID': String(BigInt(kept) - 5n) });
    await client.until(() => client.events().length >= 1);
    expect(client.events()[0]).toMatchObject({ event: 'reset', id: await events.latestId() });
    await postBars([bar('SPY', 22)]);
    await client.until(() => client.events().length === 2);
    expect(data(client.events()[1]!).payload.timestamp).toBe(new Date(T0 + 22 * 60_000).toISOString());
    await closeAll([client]);
  });

  it('refuses what it cannot serve: no key 401, a missing scope 403, bad channels 400, too many streams 429', async () => {
    expect((await openSse(`${b.url}/api/stream?channels=orders`, {})).status).toBe(401);
    const forbidden = await fetch(`${b.url}/api/stream?channels=bars:SPY,orders`, { headers: { Authorization: `Bearer ${reader}` } });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ success: false, error: 'This key lacks the "trading:read" scope' });
    const tooMany = await fetch(`${b.url}/api/stream?channels=bars:A,bars:B,bars:C,bars:D`, { headers: { Authorization: `Bearer ${reader}` } });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ success: false, details: [{ path: 'channels', message: 'at most 3 channels per stream (got 4)' }] });
    expect((await stream(b, 'bars:SPY:7m')).status).toBe(400);
    expect((await stream(b, 'bars:SPY', reader, { 'Last-Event-ID': 'abc' })).status).toBe(400);

    const open = [await stream(b, 'bars:SPY'), await stream(b, 'predictions')];
    expect(open.map((c) => c.status)).toEqual([200, 200]);
    const third = await fetch(`${b.url}/api/stream?channels=bars:SPY`, { headers: { Authorization: `Bearer ${reader}` } });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    // The limit is per key: another key streams; a closed stream frees its slot.
    const other = await stream(b, 'bars:SPY', await a.key(['market:read']));
    expect(other.status).toBe(200);
    await closeAll([open[0]!]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fourth = await stream(b, 'bars:SPY');
    expect(fourth.status).toBe(200);
    await closeAll([open[1]!, other, fourth]);
  });
});
