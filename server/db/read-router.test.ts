// DATABASE_REPLICA_URL against a real streaming standby (pg_basebackup + standby.signal, started by
// the harness from Debian's PostgreSQL 15): range reads and coverage are served by the replica;
// when its replay lags past REPLICA_MAX_LAG_SECONDS, or it is down, they return to the primary.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createApp, type App } from '../http/app';
import { createServices } from '../services';
import { readJson } from '../testing/http';
import { PG15_BIN, startStreamingPair, type StreamingPair } from '../testing/replica';
import { ensureDatabase } from './client';
import { openDatabase, type Database } from './database';

const hasPg15 = fs.existsSync(`${PG15_BIN}/pg_basebackup`);
if (!hasPg15 && process.env.CI) throw new Error(`${PG15_BIN} is missing: .ci/run installs postgresql-15; the replica test must run in CI`);
if (!hasPg15) console.warn(`replica test skipped: ${PG15_BIN} is missing (apt-get install postgresql-15)`);

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 2, 14, 30);
const bars = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ ticker: 'REPL', timeframe: '1m', timestamp: new Date(T0 + (from + i) * MINUTE).toISOString(), open: 10, high: 11, low: 9, close: 10.5, volume: 100 + i }));

describe.skipIf(!hasPg15)('heavy reads on a streaming read replica', () => {
  let pair: StreamingPair;
  let db: Database;
  let app: App;
  let server: http.Server;
  let url: string;
  let key: string;
  let primary: pg.Client;
  let standby: pg.Client;

  beforeAll(async () => {
    pair = await startStreamingPair();
    const primaryDb = await ensureDatabase(pair.primaryUrl, 'quantbase');
    const standbyDb = new URL(pair.standbyUrl);
    standbyDb.pathname = '/quantbase';
    const config = loadConfig({ DATABASE_URL: primaryDb, DATABASE_REPLICA_URL: standbyDb.toString(), REPLICA_MAX_LAG_SECONDS: '1', RATE_LIMIT_STORE: 'memory' });
    db = await openDatabase(config);
    const services = createServices(db, config);
    key = (await services.auth.createKey('replica-test', ['market:read', 'market:write', 'predictions:read'])).key;
    app = createApp({ services, pool: db.pool, config });
    server = app.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    primary = new pg.Client({ connectionString: primaryDb });
    standby = new pg.Client({ connectionString: standbyDb.toString() });
    await primary.connect();
    await standby.connect();
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await app?.close();
    await primary?.end().catch(() => undefined);
    await standby?.end().catch(() => undefined);
    await db?.close();
    await pair?.stop();
  });

  const api = async (path: string, body?: unknown) => {
    const res = await fetch(`${url}/api${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await readJson(res) };
  };
  const replicaState = async () => (await api('/health')).body.database.replica;
  /** Until the replica is in `status`; for 'ok', also caught up (lag 0: everything written so far replayed). */
  const waitForReplica = async (status: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    const reached = (s: { status: string; lagSeconds: number | null }) => s.status === status && (status !== 'ok' || s.lagSeconds === 0);
    let state = await replicaState();
    while (!reached(state) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      state = await replicaState();
    }
    expect(state).toMatchObject({ status, ...(status === 'ok' ? { lagSeconds: 0 } : {}) });
    return state;
  };
  /** A range read through the app; `to` makes its SQL text unique, so pg_stat_activity shows who ran it. */
  const readRange = async (toMinute: number) => {
    const to = new Date(T0 + toMinute * MINUTE).toISOString();
    const res = await api(`/market-data/range?ticker=REPL&timeframe=1m&from=${new Date(T0).toISOString()}&to=${to}`);
    expect(res.status).toBe(200);
    return { count: res.body.count as number, to };
  };
  /** Sessions on `client`'s server whose latest statement mentions `text` (idle pooled connections keep theirs). */
  const ranOn = async (client: pg.Client, text: string) =>
    (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'quantbase%' AND query LIKE '%' || $1 || '%'`, [text])).rows[0]!.n;

  it('serves range reads and coverage from the replica while it keeps up', async () => {
    expect((await api('/market-data/bulk', { bars: bars(0, 500) })).status).toBe(200);
    const state = await waitForReplica('ok');
    expect(state).toMatchObject({ configured: true, inUse: true, maxLagSeconds: 1 });

    const { count, to } = await readRange(400);
    expect(count).toBe(400);
    expect(await ranOn(standby, to)).toBe(1);
    expect(await ranOn(primary, to)).toBe(0);

    const coverage = await api('/market-data/coverage?ticker=REPL');
    expect(coverage.body.coverage).toMatchObject([{ ticker: 'REPL', count: 500 }]);
    expect(await ranOn(standby, 'GROUP BY ticker, timeframe')).toBeGreaterThan(0);
  });

  it('runs dataset exports, accuracy reports and gap reports on the replica too', async () => {
    const exportTo = new Date(T0 + 300 * MINUTE).toISOString();
    const exported = await fetch(`${url}/api/datasets/export?ticker=REPL&timeframe=1m&from=${new Date(T0).toISOString()}&to=${exportTo}&features=rsi_14&format=csv`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(exported.status).toBe(200);
    expect((await exported.text()).trim().split('\n').length).toBeGreaterThan(250);
    expect(await ranOn(standby, exportTo)).toBe(1);
    expect(await ranOn(primary, exportTo)).toBe(0);

    expect((await api('/predictions/accuracy?ticker=REPL')).status).toBe(200);
    expect(await ranOn(standby, 'FROM predictions p')).toBeGreaterThan(0);

    const gaps = await api('/ingestion/validate?ticker=REPL&timeframe=1m&from=2026-03-02&to=2026-03-02');
    expect(gaps.status).toBe(200);
    expect(await ranOn(standby, '2026-03-02T05:00:00.000Z')).toBe(1); // the report's range starts at New York midnight
  });

  it('returns reads to the primary, with its fresh data, while replay lags past the limit', async () => {
    await standby.query('SELECT pg_wal_replay_pause()');
    expect((await api('/market-data/bulk', { bars: bars(500, 100) })).status).toBe(200);
    const state = await waitForReplica('lagging');
    expect(state.inUse).toBe(false);
    expect(state.lagSeconds).toBeGreaterThan(1);

    const { count, to } = await readRange(600);
    expect(count).toBe(600); // the 100 new bars: only the primary has them
    expect((await standby.query(`SELECT count(*)::int AS n FROM market_data WHERE ticker = 'REPL'`)).rows[0].n).toBe(500);
    expect(await ranOn(primary, to)).toBe(1);
    expect(await ranOn(standby, to)).toBe(0);

    await standby.query('SELECT pg_wal_replay_resume()');
    await waitForReplica('ok');
    const back = await readRange(590);
    expect(back.count).toBe(590);
    expect(await ranOn(standby, back.to)).toBe(1);
  });

  it('keeps serving reads from the primary when the replica is down', async () => {
    await standby.end();
    await pair.stopStandby();
    // Straight after the stop, before any re-check: the failed replica read is retried on the primary.
    const first = await readRange(580);
    expect(first.count).toBe(580);
    expect(await ranOn(primary, first.to)).toBe(1);

    const state = await waitForReplica('down');
    expect(state.inUse).toBe(false);
    expect((await readRange(570)).count).toBe(570);
    expect((await api('/market-data/bulk', { bars: bars(600, 10) })).status).toBe(200);
    expect((await readRange(610)).count).toBe(610);
  });
});
