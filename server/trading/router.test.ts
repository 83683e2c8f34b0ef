import type { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Timeframe } from '../market-data/schema';
import { createTestCallers, type TestCallers } from '../testing/caller';
import type { ExecuteInputSchema } from './schema';

let t: TestCallers;
const trader = () => t.as(['trading:execute']);
const viewer = () => t.as(['trading:read']);

const T0 = Date.UTC(2025, 6, 1, 13, 30);
let clock = 0;

/** Makes `close` the ticker's newest price: a 1m bar after every bar written so far. */
async function setPrice(ticker: string, close: number) {
  clock += 1;
  await bar(ticker, '1m', new Date(T0 + clock * 60_000), close);
}

async function bar(ticker: string, timeframe: Timeframe, timestamp: Date, close: number) {
  await t.services.marketData.upsertBars([{ ticker, timeframe, timestamp, open: close, high: close, low: close, close, volume: 1 }]);
}

type OrderBody = z.input<typeof ExecuteInputSchema>;
const market = (side: 'BUY' | 'SELL', quantity: number | string, extra: Partial<OrderBody> = {}): OrderBody => ({ ticker: 'SPY', side, quantity, ...extra });

const tableCounts = async () =>
  (
    await t.db.pool.query<{ trades: number; portfolio: string; cash: string }>(
      `SELECT (SELECT count(*)::int FROM trades) AS trades, (SELECT json_agg(p ORDER BY ticker)::text FROM portfolio p) AS portfolio,
              (SELECT cash::text FROM paper_account) AS cash`,
    )
  ).rows[0];

beforeAll(async () => {
  t = await createTestCallers();
});
afterAll(() => t.db.drop());

describe('execute and portfolio', () => {
  beforeEach(() => t.db.pool.query('TRUNCATE trades, portfolio, market_data, paper_account, equity_history, events'));

  it('keeps average cost and realised P&L: buy 10 @100, buy 10 @110 (avg 105), sell 5 @120 (+75), in decimal strings', async () => {
    await setPrice('SPY', 100);
    const buy1 = await trader().trading.execute(market('BUY', 10, { strategy: 'ML_Signal' }));
    expect(buy1).toMatchObject({
      success: true,
      created: true,
      order: {
        status: 'FILLED', type: 'MARKET', timeInForce: 'DAY', quantity: '10', price: '100', totalValue: '1000', fees: '0', strategy: 'ML_Signal',
        limitPrice: null, stopPrice: null, exitPrice: null, exitTime: null, profitLoss: null, profitLossPct: null,
      },
      position: { quantity: '10', avgEntryPrice: '100', currentPrice: '100', marketValue: '1000', unrealizedPnL: '0', unrealizedPnLPct: 0 },
    });
    // The fill carries the time of the bar it filled on.
    expect(buy1.order.executionTime).toBe(new Date(T0 + clock * 60_000).toISOString());
    await setPrice('SPY', 110);
    const buy2 = await trader().trading.execute(market('BUY', '10'));
    expect(buy2.position).toEqual({
      id: buy1.position!.id,
      ticker: 'SPY',
      quantity: '20',
      avgEntryPrice: '105',
      currentPrice: '110',
      marketValue: '2200',
      unrealizedPnL: '100',
      unrealizedPnLPct: expect.closeTo((100 / 2100) * 100, 10),
      realizedPnL: '0',
      stopLoss: null,
      takeProfit: null,
      updatedAt: buy2.order.updatedAt,
    });
    await setPrice('SPY', 120);
    const sell = await trader().trading.execute(market('sell' as 'SELL', 5));
    // The SELL is an exit: 5 bought at 105 on average (a cost of 525) sold at 120.
    expect(sell.order).toMatchObject({
      side: 'SELL',
      price: '120',
      totalValue: '600',
      status: 'FILLED',
      type: 'MARKET',
      exitPrice: '120',
      profitLoss: '75',
      profitLossPct: expect.closeTo((75 / 525) * 100, 10),
    });
    expect(sell.order.exitTime).toBe(sell.order.executionTime);
    expect(sell.position).toMatchObject({ quantity: '15', avgEntryPrice: '105', realizedPnL: '75', currentPrice: '120', marketValue: '1800', unrealizedPnL: '225' });

    await setPrice('SPY', 130);
    const { positions, totals } = await viewer().trading.portfolio();
    expect(positions).toEqual([
      {
        id: buy1.position!.id,
        ticker: 'SPY',
        quantity: '15',
        avgEntryPrice: '105',
        realizedPnL: '75',
        currentPrice: '130',
        priceTime: expect.any(String),
        marketValue: '1950',
        costBasis: '1575',
        unrealizedPnL: '375',
        unrealizedPnLPct: expect.closeTo((375 / 1575) * 100, 10),
        stopLoss: null,
        takeProfit: null,
        updatedAt: sell.order.updatedAt,
      },
    ]);
    expect(totals).toEqual({ marketValue: '1950', costBasis: '1575', unrealizedPnL: '375', realizedPnL: '75' });
    // Cash: 100000 - 1000 - 1100 + 600 = 98500; equity 98500 + 15 × 130 = 100450.
    expect((await viewer().trading.account()).account).toMatchObject({ cash: '98500', equity: '100450', totalPnL: '450', realizedPnL: '75', unrealizedPnL: '375' });
  });

  it('keeps decimals exact: 0.1 + 0.2 shares at 0.1 cost exactly 0.03', async () => {
    await setPrice('SPY', 0.1);
    await trader().trading.execute(market('BUY', 0.1));
    const second = await trader().trading.execute(market('BUY', '0.2'));
    expect(second.position).toMatchObject({ quantity: '0.3', marketValue: '0.03' });
    expect((await viewer().trading.account()).account.cash).toBe('99999.97');
  });

  it('refuses to sell more than held (422) and changes nothing; selling all of it leaves a flat position', async () => {
    await setPrice('SPY', 100);
    await trader().trading.execute(market('BUY', 10));
    await setPrice('SPY', 90);
    const before = await tableCounts();
    await expect(trader().trading.execute(market('SELL', 10.5))).rejects.toMatchObject({
      code: 'UNPROCESSABLE_CONTENT',
      message: 'Insufficient position: cannot sell 10.5 SPY, 10 available (short selling is off: PAPER_ALLOW_SHORT)',
    });
    await expect(trader().trading.execute(market('SELL', 1, { ticker: 'QQQ' }))).rejects.toMatchObject({ code: 'NOT_FOUND' }); // no QQQ price
    await setPrice('QQQ', 50);
    await expect(trader().trading.execute(market('SELL', 1, { ticker: 'QQQ' }))).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
    expect(await tableCounts()).toEqual(before);

    const all = await trader().trading.execute(market('SELL', 10));
    expect(all.position).toMatchObject({ ticker: 'SPY', quantity: '0', avgEntryPrice: '0', realizedPnL: '-100', marketValue: '0', unrealizedPnL: '0', unrealizedPnLPct: null });
    expect(all.order).toMatchObject({ profitLoss: '-100', profitLossPct: -10, exitPrice: '90' });
    const { positions, totals } = await viewer().trading.portfolio();
    expect(positions[0]).toMatchObject({ ticker: 'SPY', quantity: '0', marketValue: '0', unrealizedPnL: '0', unrealizedPnLPct: null, realizedPnL: '-100' });
    expect(totals.realizedPnL).toBe('-100');
  });

  it('refuses a quantity or price beyond its bounds or with more than 6 decimals (400), changing nothing', async () => {
    await setPrice('SPY', 100);
    await trader().trading.execute(market('BUY', 10));
    const before = await tableCounts();
    for (const quantity of [1e307, '1e3', 0.0000001, '1.0000001', '2000000000']) {
      await expect(trader().trading.execute(market('BUY', quantity))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    await expect(setPrice('SPY', 1e308)).rejects.toMatchObject({ kind: 'invalid' });
    expect(await tableCounts()).toEqual(before);
    await expect(viewer().trading.portfolio()).resolves.toMatchObject({ totals: { marketValue: '1000' } });
  });

  it('fills a market order at the close of the bar that ends last, over every timeframe', async () => {
    const price = async () => (await trader().trading.execute(market('BUY', 1, { ticker: 'IWM' }))).order.price;
    const day = Date.UTC(2025, 6, 2, 4); // midnight New York: the 2025-07-02 session's daily bar
    const minutes = (n: number) => new Date(day + n * 60_000);
    await bar('IWM', '1h', minutes(9 * 60), 202); // 13:00-14:00 UTC
    await bar('IWM', '1m', minutes(9 * 60 + 59), 201); // 13:59-14:00: ends at the same time, finer wins
    expect(await price()).toBe('201');
    await bar('IWM', '1d', new Date(day), 200); // the whole session
    expect(await price()).toBe('200');
    await bar('IWM', '1m', minutes(34 * 60), 203); // the next session
    expect(await price()).toBe('203');
  });

  it('fills a marketable limit order at the last close and leaves the others NEW without touching the position', async () => {
    await setPrice('SPY', 120);
    const resting = await trader().trading.execute(market('BUY', 5, { type: 'limit' as 'LIMIT', limitPrice: 110, timeInForce: 'gtc' as 'GTC' }));
    expect(resting).toMatchObject({
      created: true,
      order: { status: 'NEW', type: 'LIMIT', timeInForce: 'GTC', price: null, totalValue: null, executionTime: null, expiresAt: null, limitPrice: '110', orderTime: expect.any(String) },
      position: null,
    });
    expect((await viewer().trading.portfolio()).positions).toEqual([]);

    const filled = await trader().trading.execute(market('BUY', 5, { type: 'LIMIT', limitPrice: 125 }));
    expect(filled).toMatchObject({ order: { status: 'FILLED', price: '120' }, position: { quantity: '5', avgEntryPrice: '120' } });
    expect((await trader().trading.execute(market('SELL', 5, { type: 'LIMIT', limitPrice: 121 }))).order.status).toBe('NEW');
    // The 5 shares are held by that open SELL: another SELL of them is refused.
    await expect(trader().trading.execute(market('SELL', 5, { type: 'LIMIT', limitPrice: 120 }))).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
    // Without any price a limit order cannot be marketable: it rests.
    expect((await trader().trading.execute(market('BUY', 1, { ticker: 'EEM', type: 'LIMIT', limitPrice: 40 }))).order.status).toBe('NEW');
    const open = await viewer().trading.orders({});
    expect(open).toMatchObject({ success: true, count: 3 });
    expect(open.orders.map((o) => o.limitPrice)).toEqual(['40', '121', '110']);
    expect((await viewer().trading.orders({ status: 'closed' })).orders.map((o) => o.status)).toEqual(['FILLED']);
    expect((await viewer().trading.orders({ status: 'all' })).count).toBe(4);
  });

  it('cancels an open order, refuses to cancel a filled or canceled one (422), and cancels all', async () => {
    await setPrice('SPY', 100);
    const filled = await trader().trading.execute(market('BUY', 1));
    const open = await trader().trading.execute(market('BUY', 1, { type: 'LIMIT', limitPrice: 90 }));
    const other = await trader().trading.execute(market('BUY', 2, { type: 'LIMIT', limitPrice: 80 }));
    await expect(trader().trading.cancelOrder({ id: filled.order.id })).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT', message: expect.stringContaining('FILLED') });
    const canceled = await trader().trading.cancelOrder({ id: open.order.id });
    expect(canceled.order).toMatchObject({ id: open.order.id, status: 'CANCELED', statusReason: 'canceled by request' });
    await expect(trader().trading.cancelOrder({ id: open.order.id })).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
    await expect(trader().trading.cancelOrder({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const all = await trader().trading.cancelAllOrders();
    expect(all.orders.map((o) => [o.id, o.status])).toEqual([[other.order.id, 'CANCELED']]);
    const events = await t.db.pool.query<{ name: string }>(`SELECT name FROM events WHERE topic = 'order' ORDER BY id`);
    expect(events.rows.map((e) => e.name)).toEqual(['order.created', 'order.filled', 'order.created', 'order.created', 'order.canceled', 'order.canceled']);
  });

  it('replaces an open order: the old one is canceled, a new one placed with the changes', async () => {
    await setPrice('SPY', 100);
    const open = await trader().trading.execute(market('BUY', 1, { type: 'LIMIT', limitPrice: 90, clientOrderId: 'rep-1' }));
    const { order, replaced } = await trader().trading.replaceOrder({ id: open.order.id, quantity: 3, limitPrice: '95.5', clientOrderId: 'rep-2' });
    expect(replaced).toMatchObject({ id: open.order.id, status: 'CANCELED', statusReason: 'replaced' });
    expect(order).toMatchObject({ status: 'NEW', quantity: '3', limitPrice: '95.5', replacesId: open.order.id, clientOrderId: 'rep-2', type: 'LIMIT' });
    // Marketable now: the replacement fills at once at the last close.
    const filled = await trader().trading.replaceOrder({ id: order.id, limitPrice: 101 });
    expect(filled.order).toMatchObject({ status: 'FILLED', price: '100', quantity: '3' });
    await expect(trader().trading.replaceOrder({ id: filled.order.id, quantity: 1 })).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
    await expect(trader().trading.replaceOrder({ id: filled.replaced.id, stopPrice: 1 })).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT' });
  });

  it('closes a position with a market order for all of it; 404 when flat', async () => {
    await setPrice('SPY', 100);
    await trader().trading.execute(market('BUY', 4));
    await setPrice('SPY', 101);
    const closed = await trader().trading.closePosition({ ticker: 'spy' });
    expect(closed.order).toMatchObject({ side: 'SELL', type: 'MARKET', quantity: '4', price: '101', profitLoss: '4', strategy: 'close_position' });
    expect(closed.position).toMatchObject({ quantity: '0' });
    await expect(trader().trading.closePosition({ ticker: 'SPY' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a retry with the same clientOrderId returns the same order and changes nothing; a different body gets 409', async () => {
    await setPrice('SPY', 100);
    const order = market('BUY', 3, { clientOrderId: 'bot-1-0001' });
    const first = await trader().trading.execute(order);
    const before = await tableCounts();
    await setPrice('SPY', 101);
    const retry = await trader().trading.execute({ ...order, quantity: '3.0' });
    expect(retry).toMatchObject({ created: false, order: first.order, position: { quantity: '3', avgEntryPrice: '100' } });
    const after = await tableCounts();
    expect(after).toEqual(before);
    for (const change of [{ quantity: 4 }, { side: 'SELL' as const }, { type: 'LIMIT' as const, limitPrice: 100 }, { timeInForce: 'GTC' as const }, { strategy: 'x' }]) {
      await expect(trader().trading.execute({ ...order, ...change })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('bot-1-0001') });
    }
    expect(await tableCounts()).toEqual(before);
  });

  it('refuses invalid orders (400), an unknown model or prediction (404), no key (401), a read-only key (403)', async () => {
    await setPrice('SPY', 100);
    const invalid: Array<Partial<OrderBody>> = [
      { quantity: 0 },
      { quantity: -1 },
      { quantity: 'ten' },
      { type: 'LIMIT' },
      { limitPrice: 99 },
      { type: 'STOP' },
      { type: 'STOP_LIMIT', stopPrice: 99 },
      { stopPrice: 99 },
      { timeInForce: 'OPG' as 'DAY' },
      { strategy: '' },
      { side: 'SHORT' as 'BUY' },
      { ticker: 'bad ticker!' },
      { clientOrderId: '' },
    ];
    for (const change of invalid) await expect(trader().trading.execute({ ...market('BUY', 1), ...change })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(trader().trading.execute(market('BUY', 1, { modelId: '00000000-0000-4000-8000-000000000000' }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(trader().trading.execute(market('BUY', 1, { predictionId: '00000000-0000-4000-8000-000000000000' }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('Prediction'),
    });
    const model = (await t.as(['models:write']).models.register({ name: 'exec-model', version: '1.0.0', algorithm: 'gbm-exec', ticker: 'SPY', timeframe: '1h' })).model.id;
    const call = { modelId: model, ticker: 'SPY', timeframe: '1h' as const, predictionTime: new Date(T0), targetTime: new Date(T0 + 3_600_000), direction: 'UP' as const, confidence: 0.9 };
    await t.as(['predictions:write']).predictions.createBatch({ predictions: [call] });
    const predictionId = (await t.db.pool.query<{ id: string }>(`SELECT id FROM predictions WHERE model_id = $1`, [model])).rows[0]!.id;
    await expect(trader().trading.execute(market('BUY', 1, { predictionId, modelId: model }))).resolves.toMatchObject({ order: { predictionId, modelId: model, status: 'FILLED' } });
    await t.db.pool.query('TRUNCATE trades, portfolio, paper_account');
    await expect(t.as(null).trading.execute(market('BUY', 1))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(viewer().trading.execute(market('BUY', 1))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(viewer().trading.cancelAllOrders()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.as(null).trading.portfolio()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.as(['predictions:read']).trading.account()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await tableCounts())!.trades).toBe(0);
  });
});

describe('history', () => {
  beforeAll(async () => {
    await t.db.pool.query('TRUNCATE trades, portfolio, market_data, paper_account');
    await setPrice('SPY', 100);
    await setPrice('QQQ', 50);
    for (let i = 0; i < 7; i++) await trader().trading.execute(market('BUY', i + 1, { ticker: i % 2 ? 'QQQ' : 'SPY' }));
    await trader().trading.execute(market('BUY', 1, { type: 'LIMIT', limitPrice: 1 }));
  });

  it('pages newest first through every trade once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await viewer().trading.history({ limit: 3, cursor });
      expect(page.count).toBe(page.trades.length);
      seen.push(...page.trades.map((trade) => trade.quantity));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['1', '7', '6', '5', '4', '3', '2', '1']);
  });

  it('filters by ticker, status and time', async () => {
    const quantities = async (query: Parameters<ReturnType<typeof viewer>['trading']['history']>[0]) =>
      (await viewer().trading.history(query)).trades.map((trade) => trade.quantity);
    expect(await quantities({ ticker: 'qqq' })).toEqual(['6', '4', '2']);
    expect(await quantities({ status: 'new' as 'NEW' })).toEqual(['1']);
    const { trades } = await viewer().trading.history({});
    const third = new Date(trades[5]!.orderTime);
    expect(await quantities({ from: third })).toEqual(trades.filter((x) => new Date(x.orderTime) >= third).map((x) => x.quantity));
    expect(await quantities({ to: new Date(Date.UTC(2000, 0, 1)) })).toEqual([]);
  });

  it('refuses a forged cursor or a time PostgreSQL cannot hold (400), no key (401), a key without trading:read (403)', async () => {
    await expect(viewer().trading.history({ cursor: 'x' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(viewer().trading.history({ to: new Date(-8.64e15) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(t.as(null).trading.history({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(trader().trading.history({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('signals', () => {
  const HOUR = 3_600_000;
  let active: string;
  beforeAll(async () => {
    const register = async (name: string, ticker: string) =>
      (await t.as(['models:write']).models.register({ name, version: '1.0.0', algorithm: `gbm-${name}`, ticker, timeframe: '1h' })).model.id;
    active = await register('sig-spy', 'SPY');
    const inactive = await register('sig-spy-shadow', 'SPY');
    const qqq = await register('sig-qqq', 'QQQ');
    const iwm = await register('sig-iwm', 'IWM');
    const dia = await register('sig-dia', 'DIA');
    for (const id of [active, qqq, iwm, dia]) await t.as(['models:write']).models.deploy({ modelId: id });
    const now = Date.now();
    const call = (modelId: string, ticker: string, hoursAgo: number, direction: 'UP' | 'DOWN' | 'NEUTRAL', confidence: number, targetInHours = 1) => ({
      modelId,
      ticker,
      timeframe: '1h' as const,
      predictionTime: new Date(now - hoursAgo * HOUR),
      targetTime: new Date(now + targetInHours * HOUR),
      direction,
      confidence,
    });
    await t.as(['predictions:write']).predictions.createBatch({
      predictions: [
        call(active, 'SPY', 2, 'DOWN', 0.9),
        call(active, 'SPY', 1, 'UP', 0.8), // the newest open call of SPY's active model
        call(inactive, 'SPY', 0.5, 'DOWN', 0.99), // newer, but its model is not active
        call(qqq, 'QQQ', 1, 'DOWN', 0.7),
        call(qqq, 'QQQ', 0.5, 'UP', 0.95), // newer, but already resolved below
        call(iwm, 'IWM', 1, 'UP', 0.55),
        call(dia, 'DIA', 3, 'UP', 0.9, -1), // its target has passed
      ],
    });
    await t.db.pool.query(`UPDATE predictions SET resolved_at = now(), correct = true WHERE ticker = 'QQQ' AND confidence = 0.95`);
  });

  it("derives BUY/SELL/HOLD from each series' active model's newest open prediction whose target is ahead", async () => {
    const body = await viewer().trading.signals({});
    expect(body).toMatchObject({ success: true, count: 3 }); // not DIA: its target has passed
    expect(body.signals.map((s) => [s.ticker, s.action, s.direction, s.confidence])).toEqual([
      ['IWM', 'HOLD', 'UP', 0.55],
      ['QQQ', 'SELL', 'DOWN', 0.7],
      ['SPY', 'BUY', 'UP', 0.8],
    ]);
    const spy = body.signals.find((s) => s.ticker === 'SPY')!;
    expect(spy.model).toEqual({ id: active, name: 'sig-spy', algorithm: 'gbm-sig-spy', version: '1.0.0', accuracy: null, liveAccuracy: null, liveCount: 0 });
    expect(spy.prediction).toMatchObject({ id: spy.predictionId, direction: 'UP', confidence: 0.8, resolutionStatus: 'PENDING' });
    expect(body.signals.find((s) => s.ticker === 'IWM')!.reason).toBe('confidence 0.55 is below 0.6');
  });

  it('applies minConfidence and the ticker/timeframe filters', async () => {
    const actions = async (query: Parameters<ReturnType<typeof viewer>['trading']['signals']>[0]) =>
      (await viewer().trading.signals(query)).signals.map((s) => `${s.ticker}:${s.action}`);
    expect(await actions({ minConfidence: 0.5 })).toEqual(['IWM:BUY', 'QQQ:SELL', 'SPY:BUY']);
    expect(await actions({ minConfidence: 0.85 })).toEqual(['IWM:HOLD', 'QQQ:HOLD', 'SPY:HOLD']);
    expect(await actions({ ticker: 'spy' })).toEqual(['SPY:BUY']);
    expect(await actions({ timeframe: '1d' })).toEqual([]);
  });

  it("applies minLiveAccuracy to the model's live accuracy; a model without one holds above 0", async () => {
    await t.db.pool.query(`UPDATE models SET live_accuracy = 0.7, live_count = 10 WHERE name = 'sig-qqq'`);
    const signals = async (minLiveAccuracy?: number) =>
      (await viewer().trading.signals({ minConfidence: 0.5, minLiveAccuracy })).signals.map((s) => `${s.ticker}:${s.action}`);
    expect(await signals()).toEqual(['IWM:BUY', 'QQQ:SELL', 'SPY:BUY']); // default 0: any
    expect(await signals(0.6)).toEqual(['IWM:HOLD', 'QQQ:SELL', 'SPY:HOLD']);
    expect(await signals(0.75)).toEqual(['IWM:HOLD', 'QQQ:HOLD', 'SPY:HOLD']);
    const qqq = (await viewer().trading.signals({ ticker: 'QQQ', minLiveAccuracy: 0.75 })).signals[0]!;
    expect(qqq.reason).toBe("the model's live accuracy 0.7 is below 0.75");
    expect(qqq.model).toMatchObject({ liveAccuracy: 0.7, liveCount: 10 });
  });

  it('refuses minConfidence outside [0, 1] (400), no key (401), a key without trading:read (403)', async () => {
    await expect(viewer().trading.signals({ minConfidence: 1.5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(viewer().trading.signals({ minLiveAccuracy: -0.1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(t.as(null).trading.signals({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.as(['predictions:read']).trading.signals({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
