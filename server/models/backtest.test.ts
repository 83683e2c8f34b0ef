// The backtest on a crafted series: every figure equals the hand computation in the comments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCallers, type TestCallers } from '../testing/caller';

let t: TestCallers;
let modelId: string;

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 6, 14); // bar k starts at T0 + k h and ends an hour later
const at = (hours: number) => new Date(T0 + hours * HOUR);
// Closes of bars k = 0..9.
const CLOSES = [100, 102, 101, 99, 103, 104, 100, 98, 99, 101];

beforeAll(async () => {
  t = await createTestCallers();
  modelId = (await t.as(['models:write']).models.register({ name: 'bt', version: '1.0.0', algorithm: 'gbm', ticker: 'BT', timeframe: '1h' })).model.id;
  await t.services.marketData.upsertBars(
    CLOSES.map((close, k) => ({ ticker: 'BT', timeframe: '1h' as const, timestamp: at(k), open: close, high: close, low: close, close, volume: 1000 })),
  );
  const calls: Array<[number, number, 'UP' | 'DOWN' | 'NEUTRAL', number]> = [
    [2, 4, 'UP', 0.8], //        P1 long: entry bar 1 (ended 2h; bar 2 starts at 2h and is not used) 102, exit bar 3 (ended 4h) 99
    [3, 5, 'UP', 0.9], //        P2 skipped: predicted at 3h while P1 is open until 4h
    [4, 6, 'DOWN', 0.5], //      P3 skipped: confidence below 0.6
    [4.5, 6.5, 'UP', 0.7], //    P4 long: entry bar 3 (ended 4h) 99, exit bar 5 (ended 6h) 104
    [7, 8, 'DOWN', 0.65], //     P5 short: entry bar 6 (ended 7h) 100, exit bar 7 (ended 8h) 98
    [8, 10, 'NEUTRAL', 0.9], //  P6 flat
    [9, 10, 'UP', 0.95], //      P7 long: entry bar 8 (ended 9h) 99, exit bar 9 (ended 10h) 101
    [10, 11, 'UP', 0.9], //      P8 not resolved: not replayed
  ];
  const { predictions } = await t.as(['predictions:write']).predictions.createBatch({
    predictions: calls.map(([from, to, direction, confidence]) => ({ modelId, ticker: 'BT', timeframe: '1h' as const, predictionTime: at(from), targetTime: at(to), direction, confidence })),
  });
  await t.db.pool.query(`UPDATE predictions SET resolved_at = now(), correct = true WHERE id = ANY($1::uuid[])`, [predictions.slice(0, 7).map((p) => p.id)]);
});
afterAll(() => t.db.drop());

describe('backtest', () => {
  it('replays the resolved predictions with costs, one position at a time, and reports the hand-computed figures', async () => {
    const { run, trades } = await t.as(['models:write']).models.backtest({ id: modelId, feeBps: 10, slippageBps: 5, minConfidence: 0.6, shortOnDown: true });
    // Round trip cost: 2 x (10 + 5) bps = 0.003.
    const net = [99 / 102 - 1 - 0.003, 104 / 99 - 1 - 0.003, -(98 / 100 - 1) - 0.003, 101 / 99 - 1 - 0.003];
    expect(trades.map((x) => [x.side, x.entryPrice, x.exitPrice])).toEqual([
      ['LONG', 102, 99],
      ['LONG', 99, 104],
      ['SHORT', 100, 98],
      ['LONG', 99, 101],
    ]);
    trades.forEach((x, i) => expect(x.netReturn).toBeCloseTo(net[i]!, 14));

    // Equity compounds from 1: E1 = 1 + n1, E2 = E1 (1 + n2), ...; buy-and-hold = close / 102.
    const equity = net.reduce<number[]>((e, n) => [...e, e.at(-1)! * (1 + n)], [1]);
    expect(run.equityCurve.map((p) => p.at)).toEqual([2, 4, 6, 8, 10].map((h) => at(h).toISOString()));
    run.equityCurve.forEach((p, i) => expect(p.equity).toBeCloseTo(equity[i]!, 14));
    expect(run.equityCurve.map((p) => p.buyAndHold)).toEqual([1, 99 / 102, 104 / 102, 98 / 102, 101 / 102]);

    const s = run.statistics;
    expect(s.trades).toBe(4);
    expect(s.totalReturn).toBeCloseTo(equity[4]! - 1, 14);
    expect(s.buyAndHoldReturn).toBeCloseTo(101 / 102 - 1, 14);
    // Span: first entry (2h) to last exit (10h) = 8 h = 8 / (365.25 x 24) years.
    const years = 8 / (365.25 * 24);
    expect(s.cagr! / (equity[4]! ** (1 / years) - 1)).toBeCloseTo(1, 9);
    // Per-trade Sharpe: mean / sample sd x sqrt(trades per year = 4 / years).
    const mean = net.reduce((a, b) => a + b) / 4;
    const sd = Math.sqrt(net.reduce((a, r) => a + (r - mean) ** 2, 0) / 3);
    expect(s.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(4 / years), 9);
    // Sortino: downside deviation sqrt(sum(min(r, 0)^2) / 4), only n1 is negative.
    expect(s.sortino).toBeCloseTo((mean / Math.sqrt(net[0]! ** 2 / 4)) * Math.sqrt(4 / years), 9);
    // The one fall: from 1 (2h) to E1 (4h), regained at E2 > 1 (6h): depth -n1, 4 h = 1/6 day.
    expect(s.maxDrawdown).toBeCloseTo(-net[0]!, 14);
    expect(s.maxDrawdownDurationDays).toBeCloseTo(4 / 24, 14);
    expect(s.winRate).toBe(3 / 4);
    // In a position 2 + 2 + 1 + 1 = 6 h of the 8 h span.
    expect(s.exposure).toBe(6 / 8);
    // Money won E1 n2 + E2 n3 + E3 n4 over money lost 1 x -n1.
    expect(s.profitFactor).toBeCloseTo((equity[1]! * net[1]! + equity[2]! * net[2]! + equity[3]! * net[3]!) / -net[0]!, 12);
    expect([s.spanFrom, s.spanTo]).toEqual([at(2).toISOString(), at(10).toISOString()]);

    // Stored with its parameters; the model takes its Sharpe ratio and max drawdown.
    expect(run.parameters).toEqual({ ticker: 'BT', timeframe: '1h', feeBps: 10, slippageBps: 5, minConfidence: 0.6, shortOnDown: true });
    expect(run.createdBy).toBe('test');
    const { model } = await t.as(['predictions:read']).models.get({ id: modelId });
    expect(model.sharpeRatio).toBeCloseTo(s.sharpe!, 12);
    expect(model.maxDrawdown).toBeCloseTo(s.maxDrawdown, 14);
  });

  it('stays flat on DOWN without shortOnDown; the latest run fills the model and runs are listed newest first', async () => {
    const { run, trades } = await t.as(['models:write']).models.backtest({ id: modelId, feeBps: 0, slippageBps: 0, minConfidence: 0, shortOnDown: false });
    // minConfidence 0 lets P3 (DOWN) through, flat; P1, P4, P7 trade at no cost: 99/102 x 104/99 x 101/99 = 104 x 101 / (102 x 99).
    expect(trades.map((x) => x.side)).toEqual(['LONG', 'LONG', 'LONG']);
    expect(run.statistics.totalReturn).toBeCloseTo((104 * 101) / (102 * 99) - 1, 14);
    expect(run.statistics.exposure).toBe(5 / 8);
    // One losing trade, never regained past 1 before 6h: same fall, 1 - 99/102.
    const { model } = await t.as(['predictions:read']).models.get({ id: modelId });
    expect(model.maxDrawdown).toBeCloseTo(1 - 99 / 102, 14);
    const { runs } = await t.as(['predictions:read']).models.backtests({ id: modelId });
    expect(runs.map((r) => r.parameters.shortOnDown)).toEqual([false, true]);
  });

  it('answers a model without resolved predictions with zero trades, and refuses an unknown model (404), bad costs (400) or a generic model without a series (400)', async () => {
    const empty = (await t.as(['models:write']).models.register({ name: 'bt-empty', version: '1.0.0', algorithm: 'gbm', ticker: 'BT', timeframe: '1d' })).model.id;
    const { run } = await t.as(['models:write']).models.backtest({ id: empty });
    expect(run.statistics).toMatchObject({ trades: 0, totalReturn: 0, sharpe: null, maxDrawdown: 0 });
    expect(run.equityCurve).toEqual([]);
    await expect(t.as(['models:write']).models.backtest({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.as(['models:write']).models.backtest({ id: modelId, feeBps: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(t.as(['predictions:read']).models.backtest({ id: modelId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // A model of every series needs the series named.
    const generic = (await t.as(['models:write']).models.register({ name: 'bt-generic', version: '1.0.0', algorithm: 'gbm' })).model.id;
    await expect(t.as(['models:write']).models.backtest({ id: generic })).rejects.toMatchObject({ code: 'BAD_REQUEST', cause: { details: [{ path: 'ticker' }] } });
    const named = await t.as(['models:write']).models.backtest({ id: generic, ticker: 'BT', timeframe: '1h' });
    expect(named.run.parameters).toMatchObject({ ticker: 'BT', timeframe: '1h' });
  });
});
