// The streamed REST bar reads against the procedures they serve: same bars, same envelope, same
// errors (which the procedures themselves still answer), and a client leaving mid-body costs nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketDataRepository } from '../market-data/repository';
import type { Bar } from '../market-data/schema';
import { callerAs } from '../testing/caller';
import { readJson, startTestServer, type TestServer } from '../testing/http';

let server: TestServer;
let reader: string;

const T0 = Date.UTC(2025, 0, 2, 14, 30);
const BARS = 60_000; // ~8 MB of JSON: more than the socket buffers hold, so a stream can be cut mid-body
const bar = (i: number): Bar => ({
  ticker: 'SPY',
  timeframe: '1m',
  timestamp: new Date(T0 + i * 60_000),
  open: 100 + (i % 7) / 100,
  high: 101.125,
  low: 99.5 - i / 1e6,
  close: 100.25,
  volume: i * 3,
  // Some bars without vwap / trade count: NULLs must come out as null.
  vwap: i % 5 === 0 ? null : 100.123456789,
  tradeCount: i % 3 === 0 ? null : i,
});

beforeAll(async () => {
  server = await startTestServer({ RATE_LIMITS: 'default=1000,anonymous=1000' });
  reader = await server.key(['market:read'], 'reader');
  await new MarketDataRepository(server.db.pool).upsertBars(Array.from({ length: BARS }, (_, i) => bar(i)));
}, 60_000);
afterAll(() => server.close());

const get = (path: string, key?: string, init: RequestInit = {}) =>
  fetch(server.url + path, { ...init, headers: key ? { authorization: `Bearer ${key}` } : {} });
const rangePath = (query: Record<string, string>) => `/api/market-data/range?${new URLSearchParams(query)}`;
const iso = (i: number) => new Date(T0 + i * 60_000).toISOString();

describe('streamed bar reads', () => {
  it('returns exactly what the procedure returns, in the plan envelope, for every bar', async () => {
    const query = { ticker: 'spy', timeframe: '1m' as const, from: iso(0), to: iso(BARS) };
    const res = await get(rangePath(query), reader);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('ratelimit')).toBeTruthy();
    const text = await res.text();
    expect(text).toMatch(/\],"count":60000\}$/); // streamed: count comes after the rows
    const body = JSON.parse(text);
    const expected = await callerAs(server.services, ['market:read']).marketData.range(query);
    expect(body).toEqual(expected);
    expect(body.count).toBe(BARS);
    expect(body.data[0]).toEqual({ timestamp: iso(0), open: 100, high: 101.125, low: 99.5, close: 100.25, volume: 0, vwap: null, tradeCount: null });
    expect(body.data[1]).toEqual({ timestamp: iso(1), open: 100.01, high: 101.125, low: 99.5 - 1 / 1e6, close: 100.25, volume: 3, vwap: 100.123456789, tradeCount: 1 });
  });

  it('honours limit and half-open bounds, and answers an empty range with no rows', async () => {
    const limited = await readJson(await get(rangePath({ ticker: 'SPY', timeframe: '1m', from: iso(10), to: iso(20), limit: '4' }), reader));
    expect(limited.data.map((b: { timestamp: string }) => b.timestamp)).toEqual([iso(10), iso(11), iso(12), iso(13)]);
    expect(limited.count).toBe(4);
    const bounded = await readJson(await get(rangePath({ ticker: 'SPY', timeframe: '1m', from: iso(10), to: iso(20) }), reader));
    expect(bounded.data.map((b: { timestamp: string }) => b.timestamp)).toEqual(Array.from({ length: 10 }, (_, i) => iso(10 + i)));
    const empty = await get(rangePath({ ticker: 'QQQ', timeframe: '1m', from: iso(0), to: iso(10) }), reader);
    expect(await empty.json()).toEqual({ success: true, ticker: 'QQQ', timeframe: '1m', count: 0, data: [] });
  });

  it('leaves errors to the procedure: 400 with the field, 401, 403', async () => {
    const backwards = await get(rangePath({ ticker: 'SPY', timeframe: '1m', from: iso(10), to: iso(5) }), reader);
    expect(backwards.status).toBe(400);
    const body = await readJson(backwards);
    expect(body).toMatchObject({ success: false, error: 'Invalid input' });
    expect(body.details.map((d: { path: string }) => d.path)).toEqual(['to']);
    const badTimeframe = await get(rangePath({ ticker: 'SPY', timeframe: '2m', from: iso(0), to: iso(5) }), reader);
    expect(badTimeframe.status).toBe(400);
    expect((await readJson(badTimeframe)).details.map((d: { path: string }) => d.path)).toEqual(['timeframe']);
    const repeated = await get(`${rangePath({ ticker: 'SPY', timeframe: '1m', from: iso(0), to: iso(5) })}&ticker=QQQ`, reader);
    expect(repeated.status).toBe(400);
    expect((await get(rangePath({ ticker: 'SPY', timeframe: '1m', from: iso(0), to: iso(5) }))).status).toBe(401);
    const tradingOnly = await server.key(['trading:read'], 'trading');
    const forbidden = await get(rangePath({ ticker: 'SPY', timeframe: '1m', from: iso(0), to: iso(5) }), tradingOnly);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ success: false, error: expect.stringMatching(/market:read/) });
  });

  it('GET /api/market-data returns exactly what the bars procedure returns, for limit and endDate', async () => {
    const reader_ = callerAs(server.services, ['market:read']).marketData;
    const cases: Array<{ ticker: string; timeframe: '1m' | '1d'; limit?: string; endDate?: string }> = [
      { ticker: 'spy', timeframe: '1m' },
      { ticker: 'SPY', timeframe: '1m', limit: '50000' },
      { ticker: 'SPY', timeframe: '1m', limit: '3', endDate: iso(10) },
      { ticker: 'SPY', timeframe: '1d' },
    ];
    for (const query of cases) {
      const res = await get(`/api/market-data?${new URLSearchParams(query as Record<string, string>)}`, reader);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/\],"count":\d+\}$/); // streamed: count comes after the rows
      expect(JSON.parse(text)).toEqual(await reader_.bars({ ...query, limit: query.limit === undefined ? undefined : Number(query.limit) }));
    }
    const last = await readJson(await get('/api/market-data?ticker=SPY&timeframe=1m&limit=3&endDate=' + iso(10), reader));
    expect(last.data.map((b: { timestamp: string }) => b.timestamp)).toEqual([iso(8), iso(9), iso(10)]);
    expect((await readJson(await get('/api/market-data?ticker=SPY&timeframe=1m', reader))).count).toBe(100); // the default limit
    const tooMany = await get('/api/market-data?ticker=SPY&timeframe=1m&limit=50001', reader);
    expect(tooMany.status).toBe(400);
    expect((await readJson(tooMany)).details.map((d: { path: string }) => d.path)).toEqual(['limit']);
  });

  it('a client leaving mid-body ends the COPY and frees its database connection', async () => {
    const pool = server.db.pool;
    const controller = new AbortController();
    const res = await get(rangePath({ ticker: 'SPY', timeframe: '1m', from: iso(0), to: iso(BARS) }), reader, { signal: controller.signal });
    const reader_ = res.body!.getReader();
    await reader_.read(); // the body has started
    controller.abort();
    await expect(reader_.read()).rejects.toThrow();
    const copies = async () =>
      (await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT%' AND pid <> pg_backend_pid()`)).rows[0].n;
    await expect.poll(copies, { timeout: 5000 }).toBe(0);
    await expect.poll(() => pool.totalCount - pool.idleCount, { timeout: 5000 }).toBe(0);
    // And the server goes on serving.
    const again = await readJson(await get(rangePath({ ticker: 'SPY', timeframe: '1m', from: iso(0), to: iso(3) }), reader));
    expect(again.count).toBe(3);
  });
});
