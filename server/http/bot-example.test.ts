// The plan's examples, unchanged, over real HTTP: an ML service registers models and pushes
// predictions with ML_SERVICE_API_KEY; a trading bot reads the latest ones with its own key, keeps
// the confident calls of accurate models and buys on the UP ones (`signal.direction === 'UP'`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, startTestServer, type TestServer } from '../testing/http';

let server: TestServer;
const ML_KEY = 'ml-service-key-from-the-environment-0123456789';
const BOT_KEY = 'trading-bot-key-from-the-environment-0123456789';

beforeAll(async () => {
  server = await startTestServer();
  await server.services.auth.syncEnvironmentKeys({ ML_SERVICE_API_KEY: ML_KEY, TRADING_BOT_API_KEY: BOT_KEY });
});
afterAll(() => server.close());

/** What the plan's bot reads of a prediction. */
interface PlanPrediction {
  ticker: string;
  direction: 'UP' | 'DOWN' | 'NEUTRAL';
  confidence: number;
  model: { name: string; accuracy: number };
}

async function api(path: string, key: string, body?: unknown) {
  const res = await fetch(`${server.url}/api${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await readJson(res) };
}

describe("the plan's bot example", () => {
  it('buys on exactly the confident UP calls of accurate models', async () => {
    const register = async (name: string, accuracy: number) =>
      (await api('/models', ML_KEY, { name, version: '1.2.0', algorithm: name.replace('spy-', ''), ticker: 'SPY', timeframe: '1h', accuracy })).body.model.id as string;
    const lstm = await register('spy-lstm', 0.71);
    const gbm = await register('spy-gbm', 0.68);
    const naive = await register('spy-naive', 0.55);
    // Hours around now: the calls at h = 2 are current, their targets an hour ahead (latest lists only those).
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const at = (h: number) => new Date(hour + (h - 2) * 3_600_000).toISOString();
    const call = (modelId: string, h: number, confidence: number, direction = 'UP') => ({
      modelId, modelVersion: '1.2.0', ticker: 'SPY', timeframe: '1h', predictionTime: at(h), targetTime: at(h + 1), direction, confidence, basePrice: 600,
    });
    const pushed = await api('/predictions/batch', ML_KEY, {
      predictions: [
        call(lstm, 0, 0.9, 'DOWN'), // older call of the same model: not "latest"
        call(lstm, 2, 0.82), // latest, confident, accurate model, UP: bought
        call(gbm, 2, 0.9, 'DOWN'), // confident and accurate, but DOWN: no buy
        call(naive, 2, 0.95), // confident UP, but the model is weak: dropped
      ],
    });
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ success: true, created: 4 });
    await server.services.marketData.upsertBars([{ ticker: 'SPY', timeframe: '1h', timestamp: new Date(at(2)), open: 600, high: 602, low: 599, close: 601, volume: 1e6 }]);
    const API_KEY = BOT_KEY;
    const bought: Array<{ ticker: string; confidence: number; status: number }> = [];
    const executeBuyOrder = async (ticker: string, confidence: number) => {
      const order = await api('/trading/execute', BOT_KEY, { ticker, side: 'BUY', type: 'MARKET', quantity: Math.round(confidence * 100), strategy: 'ML_Signal' });
      bought.push({ ticker, confidence, status: order.status });
    };

    // --- the bot, as the plan writes it (its URL on the test server, and the response's type) ---
    const response = await fetch(`${server.url}/api/predictions/latest?ticker=SPY&timeframe=1h`, {
      headers: {
        'Authorization': `Bearer ${API_KEY}`,
      },
    });

    const { predictions } = (await response.json()) as { predictions: PlanPrediction[] };

    // Filter high-confidence signals
    const strongSignals = predictions.filter(p =>
      p.confidence > 0.75 &&
      p.model.accuracy > 0.65
    );

    // Execute trades based on signals
    for (const signal of strongSignals) {
      if (signal.direction === 'UP') {
        await executeBuyOrder(signal.ticker, signal.confidence);
      }
    }
    // ---

    expect(response.status).toBe(200);
    expect(strongSignals.map((p) => [p.model.name, p.direction, p.confidence])).toEqual([
      ['spy-gbm', 'DOWN', 0.9],
      ['spy-lstm', 'UP', 0.82],
    ]);
    expect(bought).toEqual([{ ticker: 'SPY', confidence: 0.82, status: 200 }]);
    const history = await api('/trading/history', BOT_KEY);
    expect(history.body.trades).toEqual([
      // Amounts are exact decimal strings on the wire, as Alpaca sends them: 82 × 601 = 49282.
      expect.objectContaining({ ticker: 'SPY', side: 'BUY', type: 'MARKET', quantity: '82', status: 'FILLED', price: '601', totalValue: '49282', strategy: 'ML_Signal' }),
    ]);
  });

  it('lets the bot read but not write predictions, and the ML service not trade', async () => {
    expect((await api('/predictions/batch', BOT_KEY, { predictions: [] })).status).toBe(403);
    expect((await api('/trading/execute', ML_KEY, { ticker: 'SPY', side: 'BUY', quantity: 1, clientOrderId: 'x' })).status).toBe(403);
  });
});
