// The paper broker's rules against a real database: fills on later bars (limit, stop, stop-limit,
// gaps), DAY expiry at the session close, IOC/FOK, fees and P&L by hand, buying power, shorting,
// and idempotent retries under concurrency over real HTTP.
import type { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventRepository } from '../events/repository';
import { PredictionRepository } from '../predictions/repository';
import { readJson, startTestServer, type TestServer } from '../testing/http';
import { Decimal } from './money';
import { ExecuteInputSchema } from './schema';
import { TradingService, dayOrderExpiry, type BrokerSettings } from './service';

let server: TestServer;

const NO_COSTS: BrokerSettings = {
  startingCash: new Decimal(100_000),
  allowShort: false,
  maxPriceAgeSeconds: 0,
  feeBps: new Decimal(0),
  feePerShare: new Decimal(0),
  feeMin: new Decimal(0),
  slippageBps: new Decimal(0),
};

/** A broker over the test database with `settings` (the server's own uses its env). */
const broker = (settings: Partial<BrokerSettings> = {}) =>
  new TradingService(server.services.trading.repository, new PredictionRepository(server.db.pool, new EventRepository(server.db.pool)), new EventRepository(server.db.pool), server.services.readCache, {
    ...NO_COSTS,
    ...settings,
  });

const order = (body: Partial<z.input<typeof ExecuteInputSchema>>) => ExecuteInputSchema.parse({ ticker: 'SPY', side: 'BUY', quantity: 10, ...body });

/** 2025-07-01 (a full session, 13:30-20:00 UTC) at hh:mm UTC. */
const at = (hhmm: string, day = '2025-07-01') => new Date(`${day}T${hhmm}:00Z`);

/** One 1m SPY bar starting at `start` (UTC hh:mm). */
async function bar(start: string, open: number, high: number, low: number, close: number, day = '2025-07-01') {
  await server.services.marketData.upsertBars([{ ticker: 'SPY', timeframe: '1m', timestamp: at(start, day), open, high, low, close, volume: 100 }]);
}

const snapshot = async () =>
  (
    await server.db.pool.query(
      `SELECT (SELECT json_agg(t ORDER BY id)::text FROM trades t) AS trades, (SELECT json_agg(p ORDER BY ticker)::text FROM portfolio p) AS portfolio,
              (SELECT cash::text FROM paper_account) AS cash, (SELECT count(*)::int FROM events) AS events`,
    )
  ).rows[0];

/** One order as the broker lists it. */
const find = async (b: TradingService, id: string) => (await b.orders({ status: 'all', limit: 100 })).find((o) => o.id === id);

const orderEvents = async () => (await server.db.pool.query<{ name: string }>(`SELECT name FROM events WHERE topic = 'order' ORDER BY id`)).rows.map((r) => r.name);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.db.pool.query('TRUNCATE trades, portfolio, market_data, paper_account, equity_history, events'));

describe('resting orders fill only on later bars', () => {
  it('a LIMIT BUY fills when a later bar trades through it, at the limit, or at the open when the bar gaps through', async () => {
    const b = broker();
    await bar('13:59', 100, 100, 100, 100);
    const placed = await b.execute(order({ type: 'LIMIT', limitPrice: 99, timeInForce: 'GTC' }), at('14:00'));
    expect(placed.order).toMatchObject({ status: 'NEW', price: null });
    // A bar that started before the order (written late) crosses it: not used.
    await bar('13:58', 100, 100, 95, 100);
    await b.match('SPY', at('14:00'));
    // A later bar that does not reach the limit: still open.
    await bar('14:00', 100, 100.5, 99.5, 100);
    await b.match('SPY', at('14:01'));
    expect((await b.orders({ status: 'open', limit: 10 })).map((o) => o.id)).toEqual([placed.order.id]);
    // low 98.9 <= 99 with the open above it: filled at the limit, on that bar's time.
    await bar('14:01', 99.8, 100, 98.9, 99.2);
    expect(await b.match('SPY', at('14:02'))).toBe(1);
    const [filled] = await b.orders({ status: 'closed', limit: 10 });
    expect(filled).toMatchObject({ id: placed.order.id, status: 'FILLED', price: '99', totalValue: '990', executionTime: at('14:01').toISOString() });

    // Gap: a BUY limit at 99 and a bar opening at 98.5 fills at the open, the better price.
    const gap = await b.execute(order({ type: 'LIMIT', limitPrice: 99, quantity: 1 }), at('14:02'));
    await bar('14:02', 98.5, 98.8, 98.2, 98.6);
    await b.match('SPY', at('14:03'));
    expect(await find(b, gap.order.id)).toMatchObject({ price: '98.5' });
    // And a SELL limit at 99.5 against a bar whose high reaches 99.6: at the limit.
    const sell = await b.execute(order({ side: 'SELL', type: 'LIMIT', limitPrice: 99.5, quantity: 11 }), at('14:03'));
    await bar('14:03', 98.7, 99.6, 98.7, 99.4);
    await b.match('SPY', at('14:04'));
    expect(await find(b, sell.order.id)).toMatchObject({ price: '99.5', profitLoss: expect.any(String) });
    expect(await orderEvents()).toEqual(['order.created', 'order.filled', 'order.created', 'order.filled', 'order.created', 'order.filled']);
  });

  it('a STOP triggers on touch and fills like a market order (with slippage), at the open when the bar gaps through', async () => {
    const b = broker({ slippageBps: new Decimal(10) });
    await bar('13:59', 100, 100, 100, 100);
    await b.execute(order({ quantity: 10 }), at('14:00')); // 10 @ 100 × 1.001 = 100.1
    const stop = await b.execute(order({ side: 'SELL', type: 'STOP', stopPrice: 97, timeInForce: 'GTC' }), at('14:00'));
    expect(stop.order.status).toBe('NEW');
    await bar('14:00', 99, 99, 97.5, 98); // low 97.5 > 97: not touched
    await b.match('SPY', at('14:01'));
    expect((await b.orders({ status: 'open', limit: 5 })).map((o) => o.id)).toEqual([stop.order.id]);
    await bar('14:01', 97.2, 97.4, 96.8, 97); // touched: min(open 97.2, stop 97) = 97, less 10 bps = 96.903
    await b.match('SPY', at('14:02'));
    expect(await find(b, stop.order.id)).toMatchObject({ status: 'FILLED', price: '96.903' });

    const buyStop = await b.execute(order({ type: 'STOP', stopPrice: 101, quantity: 1 }), at('14:02'));
    await bar('14:02', 102, 103, 101.5, 102.5); // gaps over the stop: the open 102 plus 10 bps = 102.102
    await b.match('SPY', at('14:03'));
    expect(await find(b, buyStop.order.id)).toMatchObject({ price: '102.102' });
  });

  it('a STOP_LIMIT triggers on touch, then fills only within its limit', async () => {
    const b = broker();
    await bar('13:59', 100, 100, 100, 100);
    const within = await b.execute(order({ type: 'STOP_LIMIT', stopPrice: 101, limitPrice: 101.5, quantity: 1 }), at('14:00'));
    await bar('14:00', 100.5, 101.2, 100.4, 100.8); // touched at 101, within the limit: filled there
    await b.match('SPY', at('14:01'));
    expect((await b.orders({ status: 'closed', limit: 5 })).map((o) => [o.id, o.price])).toEqual([[within.order.id, '101']]);

    const late = await b.execute(order({ type: 'STOP_LIMIT', stopPrice: 101, limitPrice: 101.5, quantity: 3 }), at('14:01'));
    await bar('14:01', 102, 102.5, 101.8, 102); // triggered at the open 102, above the limit: rests as a limit
    await b.match('SPY', at('14:02'));
    expect(await find(b, late.order.id)).toMatchObject({ status: 'NEW', triggeredAt: at('14:01').toISOString() });
    await bar('14:02', 101.7, 101.9, 101.3, 101.4); // low 101.3 <= 101.5: filled at the limit
    await b.match('SPY', at('14:03'));
    expect(await find(b, late.order.id)).toMatchObject({ price: '101.5' });
  });
});

describe('time in force', () => {
  it('a DAY order expires at its session close: a crossing bar after the close does not fill it', async () => {
    const b = broker();
    await bar('13:59', 100, 100, 100, 100);
    const day = await b.execute(order({ type: 'LIMIT', limitPrice: 95 }), at('14:00'));
    const gtc = await b.execute(order({ type: 'LIMIT', limitPrice: 95, timeInForce: 'GTC', quantity: 1 }), at('14:01'));
    expect(day.order.expiresAt).toBe(at('20:00').toISOString()); // 16:00 New York (EDT)
    await bar('20:00', 94, 94, 94, 94); // after-hours bar at the close: too late for the DAY order
    // The every-minute sweep matches every ticker with open orders: 2 events (one fill, one expiry).
    expect(await b.sweep(at('20:01'))).toBe(2);
    const closed = await b.orders({ status: 'closed', limit: 5 });
    expect(closed.map((o) => [o.id, o.status, o.price])).toEqual([[gtc.order.id, 'FILLED', '94'], [day.order.id, 'EXPIRED', null]]);
    expect(closed[1]!.statusReason).toContain('session closed');
    // Time priority: the DAY order (placed first) is evaluated first.
    expect(await orderEvents()).toEqual(['order.created', 'order.created', 'order.expired', 'order.filled']);

    // The sweep expires an order without any new bar.
    const idle = await b.execute(order({ type: 'LIMIT', limitPrice: 90, quantity: 1 }), at('15:00', '2025-07-02'));
    expect(await b.sweep(at('20:00', '2025-07-02'))).toBe(1);
    expect(await find(b, idle.order.id)).toMatchObject({ status: 'EXPIRED' });
  });

  it('DAY expiry follows the calendar: early closes, after-hours placement and holidays', () => {
    expect(dayOrderExpiry(at('14:00', '2025-07-03'))).toEqual(at('17:00', '2025-07-03')); // 13:00 ET early close
    expect(dayOrderExpiry(at('21:00', '2025-07-03'))).toEqual(at('20:00', '2025-07-07')); // after it: the 4th is a holiday, then a weekend
    expect(dayOrderExpiry(at('12:00', '2025-07-04'))).toEqual(at('20:00', '2025-07-07'));
  });

  it('IOC and FOK fill in full at once or are canceled (no partial fills)', async () => {
    const b = broker();
    await bar('13:59', 100, 100, 100, 100);
    const ioc = await b.execute(order({ type: 'LIMIT', limitPrice: 99, timeInForce: 'IOC' }), at('14:00'));
    const fok = await b.execute(order({ type: 'LIMIT', limitPrice: 99, timeInForce: 'fok' as 'FOK' }), at('14:00'));
    expect(ioc.order).toMatchObject({ status: 'CANCELED', statusReason: 'IOC: could not fill at once' });
    expect(fok.order).toMatchObject({ status: 'CANCELED', statusReason: 'FOK: could not fill at once' });
    const filled = await b.execute(order({ type: 'LIMIT', limitPrice: 101, timeInForce: 'IOC' }), at('14:00'));
    expect(filled.order).toMatchObject({ status: 'FILLED', price: '100' });
    // Nothing rests: a crossing bar later fills nothing more.
    await bar('14:00', 98, 98, 98, 98);
    expect(await b.match('SPY', at('14:01'))).toBe(0);
    expect(await orderEvents()).toEqual(['order.created', 'order.canceled', 'order.created', 'order.canceled', 'order.created', 'order.filled']);
  });

  it('PAPER_MAX_PRICE_AGE refuses a market order on an older price (422), changing nothing', async () => {
    const b = broker({ maxPriceAgeSeconds: 60 });
    await bar('13:57', 100, 100, 100, 100);
    const before = await snapshot();
    await expect(b.execute(order({}), at('14:00'))).rejects.toMatchObject({ kind: 'unprocessable', message: expect.stringContaining('PAPER_MAX_PRICE_AGE') });
    expect(await snapshot()).toEqual(before);
    await expect(b.execute(order({}), at('13:58'))).resolves.toMatchObject({ order: { status: 'FILLED' } });
  });
});

describe('account', () => {
  it('buy/buy/sell/sell with fees gives the hand-computed P&L and cash', async () => {
    // fee = max(1, value × 10 bps + shares × 0.005)
    const b = broker({ feeBps: new Decimal(10), feePerShare: new Decimal('0.005'), feeMin: new Decimal(1) });
    const fillAt = async (price: number, side: 'BUY' | 'SELL', quantity: number, minute: string) => {
      await bar(minute, price, price, price, price);
      return (await b.execute(order({ side, quantity }), at(minute))).order;
    };
    // BUY 100 @ 50: value 5000, fee 5 + 0.5 = 5.5; cash 100000 - 5005.5 = 94994.5
    expect(await fillAt(50, 'BUY', 100, '14:00')).toMatchObject({ totalValue: '5000', fees: '5.5', profitLoss: null });
    // BUY 100 @ 60: value 6000, fee 6.5; cash 88988; average (5000 + 6000) / 200 = 55
    expect(await fillAt(60, 'BUY', 100, '14:01')).toMatchObject({ fees: '6.5' });
    // SELL 50 @ 70: value 3500, fee 3.5 + 0.25 = 3.75; (70 - 55) × 50 = 750 - 3.75 = 746.25; cash 92484.25
    expect(await fillAt(70, 'SELL', 50, '14:02')).toMatchObject({ fees: '3.75', profitLoss: '746.25', profitLossPct: (746.25 / 2750) * 100 });
    // SELL 150 @ 40: value 6000, fee 6 + 0.75 = 6.75; (40 - 55) × 150 = -2250 - 6.75 = -2256.75; cash 98477.5
    expect(await fillAt(40, 'SELL', 150, '14:03')).toMatchObject({ fees: '6.75', profitLoss: '-2256.75' });
    // Realised: -5.5 - 6.5 + 746.25 - 2256.75 = -1522.5 = equity - starting cash.
    const account = await b.account(at('14:04'));
    expect(account).toMatchObject({ cash: '98477.5', equity: '98477.5', positionsValue: '0', totalPnL: '-1522.5', realizedPnL: '-1522.5', buyingPower: '98477.5' });
    expect((await b.portfolio()).positions[0]).toMatchObject({ quantity: '0', realizedPnL: '-1522.5' });
    const curve = await b.equityHistory(10);
    expect(curve.map((p) => p.cash)).toEqual(['94994.5', '88988', '92484.25', '98477.5']);
    // Equity after the second buy: 88988 + 200 × 60 = 100988.
    expect(curve[1]!.equity).toBe('100988');
  });

  it('an order beyond buying power is refused (422) and changes nothing; open BUY orders hold buying power', async () => {
    const b = broker();
    await bar('13:59', 100, 100, 100, 100);
    const before = await snapshot();
    await expect(b.execute(order({ quantity: 1001 }), at('14:00'))).rejects.toMatchObject({ kind: 'unprocessable', message: expect.stringContaining('Insufficient buying power') });
    expect(await snapshot()).toEqual(before);
    await b.execute(order({ type: 'LIMIT', limitPrice: 90, quantity: 1000, timeInForce: 'GTC' }), at('14:00')); // holds 90000
    expect((await b.account(at('14:00'))).buyingPower).toBe('10000');
    await expect(b.execute(order({ quantity: 101 }), at('14:00'))).rejects.toMatchObject({ kind: 'unprocessable' });
    await expect(b.execute(order({ quantity: 100 }), at('14:00'))).resolves.toMatchObject({ order: { status: 'FILLED' } });
    expect((await b.account(at('14:00'))).buyingPower).toBe('0');
  });

  it('shorts only with PAPER_ALLOW_SHORT; a short is valued negative and covered at average cost', async () => {
    await bar('13:59', 100, 100, 100, 100);
    await expect(broker().execute(order({ side: 'SELL' }), at('14:00'))).rejects.toMatchObject({ kind: 'unprocessable', message: expect.stringContaining('PAPER_ALLOW_SHORT') });
    const b = broker({ allowShort: true });
    const short = await b.execute(order({ side: 'SELL' }), at('14:00'));
    expect(short.position).toMatchObject({ quantity: '-10', avgEntryPrice: '100', marketValue: '-1000' });
    await bar('14:00', 110, 110, 110, 110);
    // cash 101000, short worth -1100: equity 99900; buying power 101000 - 1100 = 99900
    expect(await b.account(at('14:01'))).toMatchObject({ cash: '101000', equity: '99900', unrealizedPnL: '-100', buyingPower: '99900' });
    const cover = await b.execute(order({ side: 'BUY' }), at('14:01'));
    expect(cover.order).toMatchObject({ profitLoss: '-100', exitPrice: '110' });
    expect(await b.account(at('14:01'))).toMatchObject({ cash: '99900', equity: '99900', totalPnL: '-100' });
  });
});

describe('idempotency across instances', () => {
  it('two brokers (two instances) racing one clientOrderId make one trade: the account lock and the unique id decide', async () => {
    await bar('13:59', 100, 100, 100, 100);
    const [one, two] = [broker(), broker()];
    const body = order({ side: 'BUY', quantity: 4, clientOrderId: 'two-instances' });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).execute(body, at('14:00'))));
    expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const { rows } = await server.db.pool.query(`SELECT count(*)::int AS n, (SELECT quantity::text FROM portfolio) AS held, (SELECT cash::text FROM paper_account) AS cash FROM trades`);
    expect(rows[0]).toMatchObject({ n: 1, cash: '99600.000000' });
    expect(new Decimal(rows[0].held).toFixed()).toBe('4');
  });
});

describe('idempotency over HTTP', () => {
  let key: string;
  beforeAll(async () => {
    key = await server.key(['trading:execute', 'trading:read']);
  });
  const post = (body: object) =>
    fetch(`${server.url}/api/trading/execute`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('20 concurrent retries of one BUY and of one SELL make one trade row and one position change each', async () => {
    await server.services.marketData.upsertBars([{ ticker: 'SPY', timeframe: '1m', timestamp: new Date(Date.now() - 60_000), open: 100, high: 100, low: 100, close: 100, volume: 1 }]);
    for (const [side, clientOrderId, held] of [['BUY', 'race-buy', '7'], ['SELL', 'race-sell', '4']] as const) {
      const body = { ticker: 'SPY', side, quantity: side === 'BUY' ? 7 : '3', clientOrderId };
      const responses = await Promise.all(Array.from({ length: 20 }, () => post(body)));
      const bodies = await Promise.all(responses.map((r) => readJson(r)));
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(new Set(bodies.map((b) => b.order.id)).size).toBe(1);
      expect(bodies.filter((b) => b.created)).toHaveLength(1);
      expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
      const rows = await server.db.pool.query(`SELECT count(*)::int AS n FROM trades WHERE client_order_id = $1`, [clientOrderId]);
      expect(rows.rows[0].n).toBe(1);
      const position = await server.db.pool.query(`SELECT quantity::text FROM portfolio WHERE ticker = 'SPY'`);
      expect(new Decimal(position.rows[0].quantity).toFixed()).toBe(held);
    }
    // One fill each: 100000 - 700 + 300 = 99600
    expect((await server.db.pool.query(`SELECT cash::float8 AS cash FROM paper_account`)).rows[0].cash).toBe(99600);
  });

  it('the same clientOrderId with a different body gets 409; the same body after it still replays', async () => {
    await server.services.marketData.upsertBars([{ ticker: 'SPY', timeframe: '1m', timestamp: new Date(Date.now() - 60_000), open: 100, high: 100, low: 100, close: 100, volume: 1 }]);
    const first = await post({ ticker: 'SPY', side: 'buy', quantity: 1, clientOrderId: 'diff-1' });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const conflict = await post({ ticker: 'SPY', side: 'BUY', quantity: 2, clientOrderId: 'diff-1' });
    expect(conflict.status).toBe(409);
    expect(await readJson(conflict)).toMatchObject({ success: false, error: expect.stringContaining('diff-1') });
    const replay = await post({ ticker: 'SPY', side: 'BUY', quantity: '1.000', clientOrderId: 'diff-1' });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('cancelling a filled order over REST gets 422', async () => {
    await server.services.marketData.upsertBars([{ ticker: 'SPY', timeframe: '1m', timestamp: new Date(Date.now() - 60_000), open: 100, high: 100, low: 100, close: 100, volume: 1 }]);
    const { order: filled } = await readJson(await post({ ticker: 'SPY', side: 'BUY', quantity: 1 }));
    const res = await fetch(`${server.url}/api/trading/orders/${filled.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(422);
    expect(await readJson(res)).toMatchObject({ success: false, error: expect.stringContaining('FILLED') });
    const list = await readJson(await fetch(`${server.url}/api/trading/orders?status=all`, { headers: { authorization: `Bearer ${key}` } }));
    expect(list).toMatchObject({ success: true, count: 1, orders: [{ id: filled.id, status: 'FILLED' }] });
  });

  it('REST: replace with PATCH, cancel all with DELETE /orders, close a position with DELETE /positions/{ticker}, read the account', async () => {
    await server.services.marketData.upsertBars([{ ticker: 'SPY', timeframe: '1m', timestamp: new Date(Date.now() - 60_000), open: 100, high: 100, low: 100, close: 100, volume: 1 }]);
    const call = async (method: string, path: string, body?: object) => {
      const res = await fetch(`${server.url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body && JSON.stringify(body),
      });
      return { status: res.status, body: await readJson(res) };
    };
    await post({ ticker: 'SPY', side: 'BUY', quantity: 5 });
    const { order: resting } = await readJson(await post({ ticker: 'SPY', side: 'BUY', type: 'limit', limitPrice: '90.5', quantity: 2, timeInForce: 'gtc' }));
    const replaced = await call('PATCH', `/trading/orders/${resting.id}`, { limitPrice: 91 });
    expect(replaced).toMatchObject({ status: 200, body: { replaced: { id: resting.id, status: 'CANCELED' }, order: { limitPrice: '91', replacesId: resting.id, status: 'NEW' } } });
    // 100000 - 500 = 99500 cash; the open BUY 2 @ 91 holds 182: buying power 99318
    expect((await call('GET', '/trading/account')).body.account).toMatchObject({ cash: '99500', buyingPower: '99318', equity: '100000', totalPnL: '0' });
    const canceled = await call('DELETE', '/trading/orders');
    expect(canceled).toMatchObject({ status: 200, body: { success: true, count: 1, orders: [{ id: replaced.body.order.id, status: 'CANCELED' }] } });
    const closed = await call('DELETE', '/trading/positions/spy');
    expect(closed).toMatchObject({ status: 200, body: { order: { side: 'SELL', quantity: '5', status: 'FILLED' }, position: { quantity: '0' } } });
    expect((await call('DELETE', '/trading/positions/SPY')).status).toBe(404);
    expect((await call('GET', '/trading/account/history?limit=1')).body).toMatchObject({ success: true, count: 1, points: [{ cash: '100000', equity: '100000' }] });
  });
});
