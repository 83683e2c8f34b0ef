// The server's lifecycle as a process: health probes, and SIGTERM draining a real in-flight
// request (a bulk insert held by a table lock) before a clean exit; a second signal exits at once.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/db';
import { startServerProcess, type ServerProcess } from './testing/server-process';

let db: TestDatabase;
let adminKey: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill9()));
  await db.drop();
});

const bar = (i: number) => ({
  ticker: 'SPY',
  timeframe: '1m',
  timestamp: new Date(Date.UTC(2025, 0, 2, 15) + i * 60_000).toISOString(),
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 1,
});

async function start(env: Record<string, string> = {}) {
  const server = await startServerProcess(db.url, { SHUTDOWN_DRAIN_SECONDS: '1', SHUTDOWN_TIMEOUT_SECONDS: '10', ...env });
  servers.push(server);
  adminKey ??= server.adminKey!;
  return server;
}

/** Holds back every write to market_data until the returned function commits. */
async function lockBars(): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE market_data IN SHARE ROW EXCLUSIVE MODE');
  return async () => {
    await client.query('COMMIT');
    await client.end();
  };
}

/** Starts a bulk insert and returns once it waits on the lock; `answer` settles with its response. */
async function blockedInsert(server: ServerProcess) {
  const response = fetch(`${server.url}/api/market-data/bulk`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ bars: [bar(0), bar(1)] }),
  }).then(
    async (res) => ({ status: res.status, body: (await res.json()) as unknown }),
    (error: unknown) => ({ status: 0, body: String(error) }),
  );
  await expect
    .poll(
      async () =>
        (await db.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%market_data%'`)).rows[0].n,
      { timeout: 10_000, interval: 50 },
    )
    .toBe(1);
  return { answer: response };
}

const connectionRefused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

describe('lifecycle', () => {
  it('answers live and ready; on SIGTERM fails readiness at once, finishes the request in flight, refuses new connections and exits 0', async () => {
    const server = await start();
    expect((await fetch(`${server.url}/api/health/live`)).status).toBe(200);
    const ready = await fetch(`${server.url}/api/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { success: true, status: 'ready' }]);

    const release = await lockBars();
    const insert = await blockedInsert(server);
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    await sleep(200);
    const draining = await fetch(`${server.url}/api/health/ready`);
    expect([draining.status, await draining.json()]).toEqual([503, { success: false, status: 'not ready', error: 'draining' }]);
    await sleep(1500); // past SHUTDOWN_DRAIN_SECONDS
    expect(await connectionRefused(server.url)).toBe(true);
    expect(server.child.exitCode).toBeNull(); // still waiting for the insert

    await release();
    expect(await insert.answer).toEqual({ status: 200, body: { success: true, received: 2, inserted: 2, updated: 0, unchanged: 0 } });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(server.output()).toContain('"msg":"stopped"');
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM market_data`);
    expect(rows[0].n).toBe(2);
  });

  it('exits at once on a second signal', async () => {
    const server = await start();
    const release = await lockBars();
    try {
      const insert = await blockedInsert(server);
      server.child.kill('SIGTERM');
      await sleep(300);
      const second = Date.now();
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(1);
      expect(Date.now() - second).toBeLessThan(1000);
      expect((await insert.answer).status).toBe(0); // its connection went with the process
    } finally {
      await release();
    }
  });

  it('cuts requests still running when SHUTDOWN_TIMEOUT_SECONDS is up, and exits 0', async () => {
    const server = await start({ SHUTDOWN_DRAIN_SECONDS: '0', SHUTDOWN_TIMEOUT_SECONDS: '2' });
    const release = await lockBars();
    try {
      const insert = await blockedInsert(server);
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(5000);
      expect((await insert.answer).status).toBe(0);
    } finally {
      await release();
    }
  });
});
