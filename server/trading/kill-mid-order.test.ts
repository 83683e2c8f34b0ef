// Fault: `kill -9` of a server process in the middle of a paper order. First at a fixed point (the
// order holds the account and position locks and waits to insert its trade when the process dies), then at
// random moments. After a restart, the same request (same clientOrderId) must leave
// exactly one trade and one position change per order, and a retry must get the original trade.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketDataRepository } from '../market-data/repository';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { makeTempDir } from '../testing/postgres';
import { startServerProcess, type ServerProcess } from '../testing/server-process';
import { TradingRepository } from './repository';

const BOT_KEY = 'qb_test_kill_mid_order_bot_key_0123456789';
let db: TestDatabase;
let server: ServerProcess | null = null;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { LOG_LEVEL: 'warn', TRADING_BOT_API_KEY: BOT_KEY, DATA_DIR: await makeTempDir('quantbase-kill-') };
  await new MarketDataRepository(db.pool).upsertBars([
    { ticker: 'KIL', timeframe: '1m', timestamp: new Date('2025-03-03T15:00:00Z'), open: 50, high: 50, low: 50, close: 50, volume: 10 },
  ]);
});

afterAll(async () => {
  await server?.kill9();
  await db?.drop();
});

const blocking = {
  ticker: 'KIL', side: 'BUY', type: 'MARKET', timeInForce: 'DAY', quantity: '1', limitPrice: null, stopPrice: null, orderTime: new Date(), expiresAt: null,
} as const;

const order = (clientOrderId: string, quantity: number) => ({ ticker: 'KIL', side: 'BUY', quantity, clientOrderId });

function place(url: string, body: ReturnType<typeof order>) {
  return fetch(`${url}/api/trading/execute`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BOT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function restart(): Promise<string> {
  await server?.kill9();
  server = await startServerProcess(db.url, env);
  return server.url;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds (polling), failing after `timeoutMs`. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** No connection but this query's is busy: PostgreSQL has rolled back what the killed process left open. */
const noOrphans = async () =>
  (await db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()`)).rowCount === 0;

async function ledger() {
  const trades = await db.pool.query<{ client_order_id: string; n: number; quantity: number }>(
    `SELECT client_order_id, count(*)::int AS n, sum(quantity)::float8 AS quantity FROM trades WHERE ticker = 'KIL' GROUP BY 1 ORDER BY 1`,
  );
  const position = await db.pool.query<{ quantity: number }>(`SELECT quantity::float8 AS quantity FROM portfolio WHERE ticker = 'KIL'`);
  return { trades: trades.rows, position: position.rows[0]?.quantity ?? 0 };
}

describe('kill -9 mid-order', () => {
  it('an order waiting inside its transaction when the process dies is not applied; the retry after restart applies it once', async () => {
    let url = await restart();
    // The test writes (uncommitted) a trade with the order's clientOrderId: the server's order then
    // waits on the unique index at its last statement, after it has updated the position.
    let release!: () => void;
    const lockHeld = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holder = new TradingRepository(db.pool)
      .transaction(async (tx) => {
        await tx.insertOrder({ ...blocking, clientOrderId: 'held-1' });
        locked();
        await lockHeld;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await lockTaken;
    const inFlight = place(url, order('held-1', 5)).catch((error: unknown) => error);
    const waitingOnLock = async () =>
      ((await db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'quantbase' AND wait_event_type = 'Lock'`))
        .rowCount ?? 0) > 0;
    await until(waitingOnLock, 'the order to wait on the trade row');
    await server!.kill9();
    expect(await inFlight).toBeInstanceOf(Error); // the client saw the connection drop, no answer
    release();
    await holder;
    await until(noOrphans, "PostgreSQL to end the killed process's connections");
    expect(await ledger()).toEqual({ trades: [], position: 0 });

    url = await restart();
    const retry = await place(url, order('held-1', 5));
    expect(retry.status).toBe(200);
    const first = (await retry.json()) as { created: boolean; order: { id: string; quantity: string } };
    expect(first).toMatchObject({ created: true, order: { quantity: '5' } });
    const again = (await (await place(url, order('held-1', 5))).json()) as typeof first;
    expect(again).toMatchObject({ created: false, order: { id: first.order.id } });
    expect(await ledger()).toEqual({ trades: [{ client_order_id: 'held-1', n: 1, quantity: 5 }], position: 5 });
  });

  it('killed at random moments around an order, every order ends up applied exactly once', async () => {
    const before = (await ledger()).position;
    let url = server ? server.url : await restart();
    const placed: Array<{ id: string; quantity: number; tradeId: string }> = [];
    for (let round = 1; round <= 2; round += 1) {
      const body = order(`random-${round}`, round);
      const inFlight = place(url, body).then((res) => res.status, (error: unknown) => error);
      await sleep(Math.random() * 40);
      await server!.kill9();
      await inFlight;
      url = await restart();
      const retry = await place(url, body);
      expect(retry.status).toBe(200);
      const { order: placedOrder } = (await retry.json()) as { order: { id: string } };
      const replay = (await (await place(url, body)).json()) as { created: boolean; order: { id: string } };
      expect(replay).toMatchObject({ created: false, order: { id: placedOrder.id } });
      placed.push({ id: body.clientOrderId, quantity: round, tradeId: placedOrder.id });
    }
    const { trades, position } = await ledger();
    for (const p of placed) expect(trades).toContainEqual({ client_order_id: p.id, n: 1, quantity: p.quantity });
    expect(position).toBe(before + 1 + 2);
  });
});
