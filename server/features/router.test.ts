// /api/market-data/features over real HTTP: the column selection and its errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsBetween, simulateMinuteBars, DEMO_TICKERS } from '../demo/market-simulator';
import { MarketDataRepository } from '../market-data/repository';
import { readJson, startTestServer, type TestServer } from '../testing/http';

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  key = await server.key(['market:read']);
  const bars = simulateMinuteBars({ ...DEMO_TICKERS[0]!, ticker: 'SPY' }, sessionsBetween('2025-03-03', '2025-03-04'), 5);
  await new MarketDataRepository(server.db.pool).upsertBars(bars);
  await server.services.features.computeFeatures({ ticker: 'SPY', timeframe: '1m' });
});
afterAll(() => server.close());

const get = (query: string) => fetch(`${server.url}/api/market-data/features?${query}`, { headers: { authorization: `Bearer ${key}` } });

describe('GET /api/market-data/features', () => {
  it('returns only the requested columns, oldest first', async () => {
    const res = await get('ticker=spy&timeframe=1m&limit=3&columns=sma_20,rsi_14,wma_20');
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({ success: true, ticker: 'SPY', timeframe: '1m', count: 3, columns: ['sma_20', 'rsi_14', 'wma_20'] });
    for (const row of body.data) expect(Object.keys(row).sort()).toEqual(['rsi_14', 'sma_20', 'timestamp', 'wma_20']);
    expect(body.data[0].timestamp < body.data[2].timestamp).toBe(true);
    expect(typeof body.data[2].sma_20).toBe('number');
  });

  it('answers an unknown column with 400 naming the field', async () => {
    const res = await get('ticker=SPY&timeframe=1m&columns=sma_20,not_a_feature');
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.details).toEqual([expect.objectContaining({ path: 'columns', message: expect.stringMatching(/not_a_feature/) })]);
    // Only the plan's names: the camelCase spelling is not an alias.
    expect((await readJson(await get('ticker=SPY&timeframe=1m&columns=sma20'))).details).toEqual([expect.objectContaining({ message: expect.stringMatching(/sma20/) })]);
  });

  it('serves every feature when no columns are given, and accepts every catalog key', async () => {
    const catalog = await readJson(await fetch(`${server.url}/api/market-data/features/catalog`));
    const keys = catalog.features.map((f: { key: string }) => f.key);
    const all = await readJson(await get('ticker=SPY&timeframe=1m&limit=2'));
    expect(all.columns).toEqual(keys);
    expect(Object.keys(all.data[0])).toEqual(['timestamp', ...keys]);
    const selected = await get(`ticker=SPY&timeframe=1m&limit=2&columns=${keys.join(',')}`);
    expect(selected.status).toBe(200);
  });

  it('rejects an ambiguous upper bound with 400', async () => {
    const res = await get('ticker=SPY&timeframe=1m&to=2025-03-04&endDate=2025-03-04');
    expect(res.status).toBe(400);
    expect((await readJson(res)).details).toEqual([expect.objectContaining({ path: 'endDate' })]);
  });

  it('lists every feature in the catalog', async () => {
    const body = await readJson(await fetch(`${server.url}/api/market-data/features/catalog`));
    expect(body.count).toBeGreaterThanOrEqual(19 + 25);
    expect(body.features.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['sma_20', 'macd_hist', 'stoch_d', 'bb_lower']));
    for (const f of body.features as Array<{ name: string; key: string }>) expect(f.key).toBe(f.name); // the plan's names, one per feature
  });
});
