// The HTTP host end to end: real server, real database, real requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketDataRepository } from '../market-data/repository';
import { readJson, startTestServer, type TestServer } from '../testing/http';

let server: TestServer;
let reader: string;
let admin: string;

const T0 = Date.UTC(2025, 6, 1, 13, 30);
const bar = (i: number) => ({ ticker: 'SPY', timeframe: '1m', timestamp: new Date(T0 + i * 60_000).toISOString(), open: 100, high: 101, low: 99, close: 100.5, volume: 10 + i });

beforeAll(async () => {
  server = await startTestServer({ RATE_LIMITS: 'default=1000,anonymous=1000' });
  reader = await server.key(['market:read'], 'reader');
  admin = await server.key(['admin'], 'admin');
  await new MarketDataRepository(server.db.pool).upsertBars(
    Array.from({ length: 5 }, (_, i) => ({ ...bar(i), timestamp: new Date(bar(i).timestamp), timeframe: '1m' as const })),
  );
});
afterAll(() => server.close());

const get = (path: string, key?: string, headers: Record<string, string> = {}) =>
  fetch(server.url + path, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
const post = (path: string, body: unknown, key?: string) =>
  fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('REST adapter', () => {
  it('serves /api/health without a key, with the database facts', async () => {
    const res = await get('/api/health');
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({ success: true, status: 'ok', database: { mode: 'external', timescaledb: false } });
    expect(body.database.migrations.pending).toEqual([]);
    expect(body.database.rowCounts.market_data).toBe(5);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns bars in the plan envelope for a key with market:read', async () => {
    const res = await get('/api/market-data?ticker=spy&timeframe=1m&limit=3', reader);
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({ success: true, ticker: 'SPY', timeframe: '1m', count: 3 });
    expect(body.data.map((b: { timestamp: string }) => b.timestamp)).toEqual([bar(2), bar(3), bar(4)].map((b) => b.timestamp));
  });

  it('refuses a missing key (401), an unknown key (401) and a key without the scope (403)', async () => {
    const missing = await get('/api/market-data?ticker=SPY');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ success: false, error: expect.stringMatching(/API key/) });
    const wrong = await get('/api/market-data?ticker=SPY', 'qb_thisIsNotARealKeyAtAll0000000000000000000');
    expect(wrong.status).toBe(401);
    expect((await readJson(wrong)).error).toMatch(/Invalid, expired or revoked/);
    const tradingOnly = await server.key(['trading:read']);
    const forbidden = await get('/api/market-data?ticker=SPY', tradingOnly);
    expect(forbidden.status).toBe(403);
    expect((await readJson(forbidden)).error).toMatch(/market:read/);
  });

  it('answers bad input with 400 naming the field', async () => {
    const res = await get('/api/market-data?ticker=SPY&timeframe=7m', reader);
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body).toMatchObject({ success: false, error: 'Invalid input' });
    expect(body.details.map((d: { path: string }) => d.path)).toContain('timeframe');
  });

  it('rejects a bulk insert with one bad bar, naming row and field, and writes nothing', async () => {
    const writer = await server.key(['market:write']);
    const bars = [bar(100), { ...bar(101), high: 50 }, bar(102)];
    const res = await post('/api/market-data/bulk', { bars }, writer);
    expect(res.status).toBe(400);
    expect((await readJson(res)).details.map((d: { path: string }) => d.path)).toContain('bars.1.high');
    const { rows } = await server.db.pool.query(`SELECT count(*)::int AS n FROM market_data`);
    expect(rows[0].n).toBe(5);
    const ok = await post('/api/market-data/bulk', { bars: [bar(100), bar(101)] }, writer);
    expect(await ok.json()).toEqual({ success: true, received: 2, inserted: 2, updated: 0, unchanged: 0 });
    const retried = await post('/api/market-data/bulk', { bars: [bar(100), bar(101)] }, writer);
    expect(await retried.json()).toEqual({ success: true, received: 2, inserted: 0, updated: 0, unchanged: 2 });
    // Each bar may name its source (the plan's record shape); without one it is the plan's default.
    const sourced = await post('/api/market-data/bulk', { bars: [{ ...bar(103), source: 'alpaca' }, bar(104)] }, writer);
    expect(await readJson(sourced)).toMatchObject({ success: true, inserted: 2 });
    const stored = await server.db.pool.query(`SELECT source FROM market_data WHERE ticker = 'SPY' AND "timestamp" >= $1 ORDER BY "timestamp"`, [bar(103).timestamp]);
    expect(stored.rows.map((r) => r.source)).toEqual(['alpaca', 'polygon']);
    const blank = await post('/api/market-data/bulk', { bars: [{ ...bar(105), source: ' ' }] }, writer);
    expect(blank.status).toBe(400);
    expect((await readJson(blank)).details.map((d: { path: string }) => d.path)).toContain('bars.0.source');
  });

  it("passes a DomainError's fields at fault to the client as `details`", async () => {
    // Rules a service or repository checks (not the input schema) come back the same way.
    const writer = await server.key(['market:write']);
    const repeated = await post('/api/market-data/bulk', { bars: [bar(200), bar(201), bar(200)] }, writer);
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({
      success: false,
      error: 'bar 2: timestamp: duplicates bar 0 (same ticker, timeframe and timestamp)',
      details: [{ path: 'bars.2.timestamp', message: 'duplicates bar 0 (same ticker, timeframe and timestamp)' }],
    });
    const future = await post('/api/ingestion/backfill', { tickers: ['SPY'], from: '2999-01-04' }, admin);
    expect(future.status).toBe(400);
    expect(await future.json()).toMatchObject({ success: false, details: [{ path: 'from', message: expect.stringMatching(/^from 2999-01-04 is after \d{4}-\d\d-\d\d \(today in New York\)$/) }] });
    const { rows } = await server.db.pool.query(`SELECT (SELECT count(*) FROM market_data WHERE "timestamp" >= $1)::int AS bars, (SELECT count(*) FROM ingestion_runs)::int AS runs`, [
      new Date(T0 + 200 * 60_000),
    ]);
    expect(rows[0]).toEqual({ bars: 0, runs: 0 });
  });

  it('answers unknown routes, malformed JSON and oversized bodies with JSON errors', async () => {
    const unknown = await get('/api/nope', reader);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ success: false });
    const malformed = await post('/api/market-data/bulk', '{"bars": [', admin);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ success: false, error: 'Malformed JSON body' });
    const small = await startTestServer({ BODY_LIMIT: '1kb' });
    try {
      const key = await small.key(['market:write']);
      const big = await fetch(`${small.url}/api/market-data/bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ bars: Array.from({ length: 50 }, (_, i) => bar(i)) }),
      });
      expect(big.status).toBe(413);
      expect(await big.json()).toEqual({ success: false, error: 'Request body too large' });
    } finally {
      await small.close();
    }
  });

  it('refuses a revoked key at once', async () => {
    const key = await server.key(['market:read'], 'short-lived');
    expect((await get('/api/market-data/latest?ticker=SPY&timeframe=1m', key)).status).toBe(200);
    await server.services.auth.revokeKey('short-lived');
    expect((await get('/api/market-data/latest?ticker=SPY&timeframe=1m', key)).status).toBe(401);
  });

  it('stores keys hashed, with a visible prefix, and tracks last use', async () => {
    const { rows } = await server.db.pool.query(`SELECT prefix, key_hash, last_used_at FROM api_keys WHERE name = 'reader'`);
    expect(reader.startsWith(rows[0].prefix)).toBe(true);
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].key_hash).not.toContain(reader.slice(3));
    expect(rows[0].last_used_at).toBeInstanceOf(Date);
  });
});

describe('tRPC and sessions', () => {
  const trpcMe = (cookie?: string) => fetch(`${server.url}/trpc/auth.me`, { headers: cookie ? { cookie } : {} });
  const trpcLatest = (cookie?: string) =>
    fetch(`${server.url}/trpc/marketData.latest?input=${encodeURIComponent(JSON.stringify({ json: { ticker: 'SPY', timeframe: '1m' } }))}`, {
      headers: cookie ? { cookie } : {},
    });

  it('refuses a tRPC call without a session', async () => {
    expect((await trpcLatest()).status).toBe(401);
    expect((await readJson(await trpcMe())).result.data.json).toBeNull();
  });

  it('signs in with a key into an HttpOnly SameSite=Strict cookie, and out again', async () => {
    const bad = await post('/auth/login', { apiKey: 'qb_wrong' });
    expect(bad.status).toBe(401);
    const res = await post('/auth/login', { apiKey: reader });
    expect(res.status).toBe(204);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/qb_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0]!;
    expect((await readJson(await trpcMe(cookie))).result.data.json).toMatchObject({ name: 'reader', scopes: ['market:read'] });
    expect((await trpcLatest(cookie)).status).toBe(200);
    await fetch(`${server.url}/auth/logout`, { method: 'POST', headers: { cookie } });
    expect((await trpcLatest(cookie)).status).toBe(401);
  });

  it('signs in once through a one-time link', async () => {
    const { info } = await server.services.auth.createKey('link-user', ['market:read']);
    const token = await server.services.auth.createSignInToken(info.id);
    const first = await fetch(`${server.url}/auth/one-time?token=${token}`, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    expect((await trpcLatest(cookie)).status).toBe(200);
    const second = await fetch(`${server.url}/auth/one-time?token=${token}`, { redirect: 'manual' });
    expect(second.headers.get('location')).toBe('/?signin=expired');
    expect(second.headers.get('set-cookie')).toBeNull();
  });
});

describe('rate limits', () => {
  it('answers a burst past the limit with 429, Retry-After and the standard headers, per key', async () => {
    const limited = await startTestServer({ RATE_LIMITS: 'default=5,anonymous=3' });
    try {
      const key = await limited.key(['market:read']);
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 7; i++) {
        last = await fetch(`${limited.url}/api/market-data/latest?ticker=SPY&timeframe=1m`, { headers: { authorization: `Bearer ${key}` } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last!.headers.get('ratelimit-policy')).toMatch(/q=5/);
      expect(await last!.json()).toMatchObject({ success: false, error: expect.stringMatching(/Too many requests/) });
      // Another key has its own budget; the counter lives in PostgreSQL, shared by instances.
      const other = await limited.key(['market:read']);
      expect((await fetch(`${limited.url}/api/market-data/latest?ticker=SPY&timeframe=1m`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);
      const { rows } = await limited.db.pool.query(`SELECT count(*)::int AS n FROM rate_limit_counters`);
      expect(rows[0].n).toBe(2);
    } finally {
      await limited.close();
    }
  });
});

describe('environment keys', () => {
  it('honours TRADING_BOT_API_KEY with its documented scopes', async () => {
    const botKey = 'bot-secret-from-the-environment-1234567890';
    await server.services.auth.syncEnvironmentKeys({ TRADING_BOT_API_KEY: botKey });
    expect((await get('/api/market-data/latest?ticker=SPY&timeframe=1m', botKey)).status).toBe(200);
    expect((await post('/api/market-data/bulk', { bars: [bar(300)] }, botKey)).status).toBe(403);
    const { rows } = await server.db.pool.query(`SELECT scopes, key_hash FROM api_keys WHERE name = 'TRADING_BOT_API_KEY'`);
    expect(rows[0].scopes).toEqual(['market:read', 'predictions:read', 'trading:read', 'trading:execute', 'webhooks']);
  });
});

describe('metrics and docs', () => {
  it('exposes Prometheus metrics with request and pool series', async () => {
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/quantbase_http_request_duration_seconds_bucket\{.*route="\/api\/market-data"/);
    expect(text).toMatch(/quantbase_db_pool_connections \d+/);
    // The work's own counters live in the same registry (server/metrics.ts).
    for (const counter of ['quantbase_ingested_bars_total', 'quantbase_ingestion_windows_total', 'quantbase_job_runs_total']) {
      expect(text).toContain(`# TYPE ${counter} counter`);
    }
  });

  it('serves interactive docs from local assets', async () => {
    const page = await (await get('/api/docs')).text();
    expect(page).toContain('/api/docs/assets/swagger-ui-bundle.js');
    expect(page).not.toMatch(/https?:\/\//);
    expect((await get('/api/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });
});

describe('database unavailable', () => {
  it('answers 503 with a JSON error, not a stack trace', async () => {
    const { createDbHandles } = await import('../db/client');
    const { createServices } = await import('../services');
    const { createApp } = await import('./app');
    const { loadConfig } = await import('../config');
    const { freePort } = await import('../testing/postgres');
    const dead = createDbHandles(`postgresql://nobody:nothing@127.0.0.1:${await freePort()}/gone`, 1);
    const config = loadConfig({ RATE_LIMIT_STORE: 'memory' });
    const services = createServices({ ...dead, mode: 'external', timeSeries: { timescaledb: false, extensionVersion: null } }, config);
    const { app: handler, close } = createApp({ services, pool: dead.pool, config });
    const app = handler.listen(0, '127.0.0.1');
    await new Promise((resolve) => app.once('listening', resolve));
    const url = `http://127.0.0.1:${(app.address() as { port: number }).port}`;
    try {
      const health = await fetch(`${url}/api/health`);
      expect(health.status).toBe(503);
      const body = await health.json();
      expect(body).toMatchObject({ success: false, error: expect.stringMatching(/database is unavailable/) });
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|at .*\.ts/);
      const withKey = await fetch(`${url}/api/market-data?ticker=SPY`, { headers: { authorization: 'Bearer qb_whatever_key_value_here_000000000000000' } });
      expect(withKey.status).toBe(503);
      expect(withKey.headers.get('retry-after')).toBe('1');
    } finally {
      app.close();
      await close();
      await dead.pool.end();
    }
  });
});
