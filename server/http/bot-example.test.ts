// The plan's examples, unchanged, over real HTTP: an ML service registers models and pushes
// predictions with ML_SERVICE_API_KEY; a trading bot reads the latest ones with its own key and
// keeps the confident calls of accurate models.
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

async function api(path: string, key: string, body?: unknown) {
  const res = await fetch(`${server.url}/api${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await readJson(res) };
}

describe("the plan's bot example", () => {
  it('returns exactly the confident predictions of accurate models', async () => {
    const accurate = await api('/models', ML_KEY, { name: 'spy-lstm', version: '1.2.0', algorithm: 'lstm', ticker: 'SPY', timeframe: '1h', accuracy: 0.71 });
    const weak = await api('/models', ML_KEY, { name: 'spy-naive', version: '0.1.0', algorithm: 'logistic', ticker: 'SPY', timeframe: '1h', accuracy: 0.55 });
    expect(accurate.status).toBe(200);
    expect(weak.status).toBe(200);
    const at = (h: number) => new Date(Date.UTC(2026, 10, 20, 14 + h)).toISOString();
    const call = (modelId: string, h: number, confidence: number, predictedDirection = 'UP') => ({
      modelId, ticker: 'SPY', timeframe: '1h', predictionTime: at(h), targetTime: at(h + 1), predictedDirection, confidence, basePrice: 600,
    });
    const pushed = await api('/predictions/batch', ML_KEY, {
      predictions: [
        call(accurate.body.model.id, 0, 0.9), // older call of the same model: not "latest"
        call(accurate.body.model.id, 2, 0.82, 'DOWN'), // latest, confident, accurate model: kept
        call(weak.body.model.id, 2, 0.95), // confident but the model is weak: dropped
      ],
    });
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ success: true, created: 3 });

    // --- the bot, as written in the plan ---
    const response = await fetch(`${server.url}/api/predictions/latest?ticker=SPY&timeframe=1h`, {
      headers: { Authorization: `Bearer ${BOT_KEY}` },
    });
    const { predictions } = (await response.json()) as { predictions: Array<{ confidence: number; predictedDirection: string; model: { accuracy: number; name: string } }> };
    const signals = predictions.filter((p) => p.confidence > 0.75 && p.model.accuracy > 0.65);
    // ---

    expect(response.status).toBe(200);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ confidence: 0.82, predictedDirection: 'DOWN', model: { name: 'spy-lstm', accuracy: 0.71 } });
  });

  it('lets the bot read but not write predictions, and the ML service not trade', async () => {
    expect((await api('/predictions/batch', BOT_KEY, { predictions: [] })).status).toBe(403);
    expect((await api('/trading/execute', ML_KEY, { ticker: 'SPY', side: 'BUY', quantity: 1, clientOrderId: 'x' })).status).toBe(403);
  });
});
