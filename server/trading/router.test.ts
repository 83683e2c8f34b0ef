import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Timeframe } from '../market-data/schema';
import { createTestCallers, type TestCallers } from '../testing/caller';
import type { ExecuteInput } from './schema';

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

const market = (side: 'BUY' | 'SELL', quantity: number, extra: Partial<ExecuteInput> = {}) => ({ ticker: 'SPY', side, quantity, ...extra });

const tableCounts = async () =>
  (await t.db.pool.query<{ trades: number; portfolio: string }>(`SELECT (SELECT count(*)::int FROM trades) AS trades, (SELECT json_agg(p ORDER BY ticker)::text FROM portfolio p) AS portfolio`)).rows[0];

beforeAll(async () => {
  t = await createTestCallers();
});
afterAll(() => t.db.drop());

describe('execute and portfolio', () => {
  beforeEach(() => t.db.pool.query('TRUNCATE trades, portfolio, market_data'));

  it('keeps average cost and realised P&L: buy 10 @100, buy 10 @110 (avg 105), sell 5 @120 (+75)', async () => {
    await setPrice('SPY', 100);
    const buy1 = await trader().trading.execute(market('BUY', 10, { strategy: 'ML_Signal' }));
    expect(buy1).toMatchObject({
      success: true,
      created: true,
      trade: { status: 'FILLED', type: 'MARKET', price: 100, totalValue: 1000, fees: 0, strategy: 'ML_Signal', exitPrice: null, exitTime: null, profitLoss: null, profitLossPct: null },
      position: { quantity: 10, avgEntryPrice: 100, currentPrice: 100, marketValue: 1000, unrealizedPnL: 0, unrealizedPnLPct: 0 },
    });
    expect(buy1.trade.executionTime).toBe(buy1.trade.orderTime);
    await setPrice('SPY', 110);
    const buy2 = await trader().trading.execute(market('BUY', 10));
    expect(buy2.position).toEqual({
      id: buy1.position!.id,
      ticker: 'SPY',
      quantity: 20,
      avgEntryPrice: 105,
      currentPrice: 110,
      marketValue: 2200,
      unrealizedPnL: 100,
      unrealizedPnLPct: expect.closeTo((100 / 2100) * 100, 10),
      realizedPnL: 0,
      stopLoss: null,
      takeProfit: null,
      updatedAt: buy2.trade.executionTime,
    });
    await setPrice('SPY', 120);
    const sell = await trader().trading.execute(market('SELL', 5));
    // The SELL is an exit: 5 bought at 105 on average (a cost of 525) sold at 120.
    expect(sell.trade).toMatchObject({
      side: 'SELL',
      price: 120,
      totalValue: 600,
      status: 'FILLED',
      type: 'MARKET',
      limitPrice: null,
      strategy: null,
      exitPrice: 120,
      profitLoss: 75,
      profitLossPct: expect.closeTo((75 / 525) * 100, 10),
    });
    expect(sell.trade.executionTime).not.toBeNull();
    expect(sell.trade.exitTime).toBe(sell.trade.executionTime);
    expect(sell.position).toMatchObject({ quantity: 15, avgEntryPrice: 105, realizedPnL: 75, currentPrice: 120, marketValue: 1800, unrealizedPnL: 225 });

    await setPrice('SPY', 130);
    const { positions, totals } = await viewer().trading.portfolio();
    expect(positions).toEqual([
      {
        id: buy1.position!.id,
        ticker: 'SPY',
        quantity: 15,
        avgEntryPrice: 105,
        realizedPnL: 75,
        currentPrice: 130,
        priceTime: expect.any(String),
        marketValue: 1950,
        costBasis: 1575,
        unrealizedPnL: 375,
        unrealizedPnLPct: expect.closeTo((375 / 1575) * 100, 10),
        stopLoss: null,
        takeProfit: null,
        updatedAt: sell.trade.executionTime,
      },
    ]);
    expect(totals).toEqual({ marketValue: 1950, costBasis: 1575, unrealizedPnL: 375, realizedPnL: 75 });
  });

  it('refuses to sell more than held (409) and changes nothing; selling all of it leaves a flat position', async () => {
    await setPrice('SPY', 100);
    await trader().trading.execute(market('BUY', 10));
    await setPrice('SPY', 90);
    const before = await tableCounts();
    await expect(trader().trading.execute(market('SELL', 10.5))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'Cannot sell 10.5 SPY: the position holds 10 (short selling is not supported)',
    });
    await expect(trader().trading.execute(market('SELL', 1, { ticker: 'QQQ' }))).rejects.toMatchObject({ code: 'NOT_FOUND' }); // no QQQ price
    await setPrice('QQQ', 50);
    await expect(trader().trading.execute(market('SELL', 1, { ticker: 'QQQ' }))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await tableCounts()).toEqual(before);

    const all = await trader().trading.execute(market('SELL', 10));
    expect(all.position).toMatchObject({ ticker: 'SPY', quantity: 0, avgEntryPrice: 0, realizedPnL: -100, marketValue: 0, unrealizedPnL: 0, unrealizedPnLPct: null });
    expect(all.trade).toMatchObject({ profitLoss: -100, profitLossPct: -10, exitPrice: 90 });
    const { positions, totals } = await viewer().trading.portfolio();
    expect(positions[0]).toMatchObject({ ticker: 'SPY', quantity: 0, marketValue: 0, unrealizedPnL: 0, unrealizedPnLPct: null, realizedPnL: -100 });
    expect(totals.realizedPnL).toBe(-100);
  });

  it('refuses a quantity or a price so large that valuing the position would overflow (400), changing nothing', async () => {
    // Both used to be taken: a fill worth Infinity was stored and then answered with a 500, as was
    // every portfolio valued after a bar near 1.8e308.
    await setPrice('SPY', 100);
    await trader().trading.execute(market('BUY', 10));
    const before = await tableCounts();
    await expect(trader().trading.execute(market('BUY', 1e307))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(setPrice('SPY', 1e308)).rejects.toMatchObject({ kind: 'invalid' });
    expect(await tableCounts()).toEqual(before);
    await expect(viewer().trading.portfolio()).resolves.toMatchObject({ totals: { marketValue: 1000 } });
  });

  it('fills a market order at the close of the bar that ends last, over every timeframe', async () => {
    const price = async () => (await trader().trading.execute(market('BUY', 1, { ticker: 'IWM' }))).trade.price;
    const day = Date.UTC(2025, 6, 2, 4); // midnight New York: the 2025-07-02 session's daily bar
    const minutes = (n: number) => new Date(day + n * 60_000);
    await bar('IWM', '1h', minutes(9 * 60), 202); // 13:00-14:00 UTC
    await bar('IWM', '1m', minutes(9 * 60 + 59), 201); // 13:59-14:00: ends at the same time, finer wins
    expect(await price()).toBe(201);
    await bar('IWM', '1d', new Date(day), 200); // the whole session
    expect(await price()).toBe(200);
    await bar('IWM', '1m', minutes(34 * 60), 203); // the next session
    expect(await price()).toBe(203);
  });

  it('fills a marketable limit order at the last close and leaves the others PENDING without touching the position', async () => {
    await setPrice('SPY', 120);
    const resting = await trader().trading.execute(market('BUY', 5, { type: 'LIMIT', limitPrice: 110 }));
    expect(resting).toMatchObject({
      created: true,
      trade: { status: 'PENDING', type: 'LIMIT', price: null, totalValue: null, executionTime: null, limitPrice: 110, orderTime: expect.any(String) },
      position: null,
    });
    expect((await viewer().trading.portfolio()).positions).toEqual([]);

    const filled = await trader().trading.execute(market('BUY', 5, { type: 'LIMIT', limitPrice: 125 }));
    expect(filled).toMatchObject({ trade: { status: 'FILLED', price: 120 }, position: { quantity: 5, avgEntryPrice: 120 } });
    expect((await trader().trading.execute(market('SELL', 5, { type: 'LIMIT', limitPrice: 121 }))).trade.status).toBe('PENDING');
    expect((await trader().trading.execute(market('SELL', 5, { type: 'LIMIT', limitPrice: 120 }))).trade).toMatchObject({ status: 'FILLED', profitLoss: 0 });
    // Without any price a limit order cannot be marketable: it rests.
    expect((await trader().trading.execute(market('BUY', 1, { ticker: 'EEM', type: 'LIMIT', limitPrice: 40 }))).trade.status).toBe('PENDING');
  });

  it('a retry with the same clientOrderId returns the same trade and changes nothing', async () => {
    await setPrice('SPY', 100);
    const order = market('BUY', 3, { clientOrderId: 'bot-1-0001' });
    const first = await trader().trading.execute(order);
    const before = await tableCounts();
    await setPrice('SPY', 101);
    const retry = await trader().trading.execute(order);
    expect(retry).toMatchObject({ created: false, trade: first.trade, position: { quantity: 3, avgEntryPrice: 100 } });
    const after = await tableCounts();
    expect(after!.trades).toBe(before!.trades);
    expect(after!.portfolio).toBe(before!.portfolio);
    await expect(trader().trading.execute({ ...order, quantity: 4 })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('bot-1-0001') });
  });

  it('concurrent retries of one clientOrderId fill once', async () => {
    await setPrice('SPY', 100);
    const order = market('BUY', 2, { clientOrderId: 'race-1' });
    const results = await Promise.all(Array.from({ length: 4 }, () => trader().trading.execute(order)));
    expect(new Set(results.map((r) => r.trade.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await viewer().trading.portfolio()).positions[0]).toMatchObject({ quantity: 2 });
  });

  it('refuses invalid orders (400), an unknown model (404), no key (401), a read-only key (403)', async () => {
    await setPrice('SPY', 100);
    const invalid: Array<Partial<ExecuteInput>> = [
      { quantity: 0 },
      { quantity: -1 },
      { type: 'LIMIT' },
      { limitPrice: 99 },
      { strategy: '' },
      { side: 'SHORT' as 'BUY' },
      { ticker: 'bad ticker!' },
      { clientOrderId: '' },
    ];
    for (const change of invalid) await expect(trader().trading.execute({ ...market('BUY', 1), ...change })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(trader().trading.execute(market('BUY', 1, { modelId: '00000000-0000-4000-8000-000000000000' }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.as(null).trading.execute(market('BUY', 1))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(viewer().trading.execute(market('BUY', 1))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.as(null).trading.portfolio()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.as(['predictions:read']).trading.portfolio()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await tableCounts())!.trades).toBe(0);
  });
});

describe('history', () => {
  beforeAll(async () => {
    await t.db.pool.query('TRUNCATE trades, portfolio, market_data');
    await setPrice('SPY', 100);
    await setPrice('QQQ', 50);
    for (let i = 0; i < 7; i++) await trader().trading.execute(market('BUY', i + 1, { ticker: i % 2 ? 'QQQ' : 'SPY' }));
    await trader().trading.execute(market('BUY', 1, { type: 'LIMIT', limitPrice: 1 }));
  });

  it('pages newest first through every trade once', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await viewer().trading.history({ limit: 3, cursor });
      expect(page.count).toBe(page.trades.length);
      seen.push(...page.trades.map((trade) => trade.quantity));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([1, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('filters by ticker, status and time', async () => {
    const quantities = async (query: Parameters<ReturnType<typeof viewer>['trading']['history']>[0]) =>
      (await viewer().trading.history(query)).trades.map((trade) => trade.quantity);
    expect(await quantities({ ticker: 'qqq' })).toEqual([6, 4, 2]);
    expect(await quantities({ status: 'PENDING' })).toEqual([1]);
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
      (await t.as(['models:write']).models.register({ name, version: '1', algorithm: 'gbm', ticker, timeframe: '1h' })).model.id;
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
    expect(spy.model).toEqual({ id: active, name: 'sig-spy', algorithm: 'gbm', version: '1', accuracy: null, liveAccuracy: null, liveCount: 0 });
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
