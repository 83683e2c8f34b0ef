import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nyWallTimeToUtcMs } from './calendar';
import { startFakePolygon, type FakePolygon } from '../../tooling/fake-polygon/server';
import { UNPACED } from './pacing';
import { PolygonClient, PolygonRequestError, redactApiKey, type PolygonClientOptions, type RetryEvent } from './polygon';
import { loadSpyDailyBars, loadSpyMinuteBars } from '../../tooling/reference/reference-csv';
import { planWindows } from './windows';

const KEY = 'sekret-key-0123456789';
const minute = loadSpyMinuteBars();
const daily = loadSpyDailyBars();
const JULY = planWindows('SPY', '1m', '2025-07-01', '2025-07-07')[0]!;

let fake: FakePolygon;
beforeAll(async () => {
  // A small page cap makes every minute window span several pages.
  fake = await startFakePolygon({ minuteBars: { SPY: minute }, dailyBars: { SPY: daily }, apiKey: KEY, maxLimit: 1000 });
});
afterAll(() => fake.close());
beforeEach(() => fake.setFaults());

function client(options: Partial<PolygonClientOptions> = {}): PolygonClient {
  return new PolygonClient({ apiKey: KEY, baseUrl: fake.url, pacer: UNPACED, maxRetries: 3, backoff: { baseMs: 5, maxMs: 20 }, ...options });
}

describe('PolygonClient', () => {
  it('follows next_url in order and maps every row to a bar stamped with its start', async () => {
    const before = fake.requests.length;
    const got = await client().fetchWindow(JULY);
    expect(got.rejected).toEqual([]);
    expect(got.requests).toBe(4);
    expect(fake.requests.length - before).toBe(4);
    expect(got.bars.map((b) => b.timestamp.getTime())).toEqual(minute.map((b) => b.timestamp.getTime()));
    const first = got.bars[0]!;
    expect(first).toMatchObject({ ticker: 'SPY', timeframe: '1m', open: 617.68, high: 617.68, low: 617.03, close: 617.1, volume: 6873, tradeCount: 1 });
    expect(first.timestamp.toISOString()).toBe('2025-07-01T08:00:00.000Z');
    // Intraday windows go out as Unix ms; the key rides in the query string and is redacted in the log.
    expect(fake.requests.at(-4)!.url).toContain(`/range/1/minute/${JULY.start.getTime()}/${JULY.end.getTime() - 1}?apiKey=***`);
  });

  it('fetches daily bars by session date, stamped at midnight New York', async () => {
    const [w2025] = planWindows('SPY', '1d', '2025-01-01', '2025-12-31');
    const got = await client().fetchWindow(w2025!);
    expect(got.bars).toHaveLength(daily.filter((b) => b.timestamp.getUTCFullYear() === 2025 || b.timestamp.toISOString() === '2025-01-02T05:00:00.000Z').length);
    const jan8 = got.bars.find((b) => b.timestamp.getTime() === nyWallTimeToUtcMs('2025-01-08'));
    const jan10 = got.bars.find((b) => b.timestamp.getTime() === nyWallTimeToUtcMs('2025-01-10'));
    expect(jan8 && jan10).toBeTruthy();
    expect(got.bars.some((b) => b.timestamp.getTime() === nyWallTimeToUtcMs('2025-01-09'))).toBe(false);
    expect(fake.requests.at(-1)!.url).toContain('/range/1/day/2025-01-01/2025-12-31?');
  });

  it('aggregates coarser timeframes on the server (5m, 1h)', async () => {
    const [w5] = planWindows('SPY', '5m', '2025-07-03', '2025-07-03');
    const [w60] = planWindows('SPY', '1h', '2025-07-03', '2025-07-03');
    const five = await client().fetchWindow(w5!);
    const hour = await client().fetchWindow(w60!);
    expect(five.rejected).toEqual([]);
    expect(five.bars.every((b) => b.timestamp.getTime() % 300_000 === 0)).toBe(true);
    expect(hour.bars.map((b) => b.timestamp.toISOString().slice(11, 16))[0]).toBe('08:00'); // 04:00 EDT
  });

  it('rejects rows off the bar grid, outside the window or without a time, with a reason', async () => {
    const t = JULY.start.getTime() + 9.5 * 3_600_000; // 09:30 EDT
    const row = (ms: number) => ({ v: 100, vw: 1.5, o: 1.5, c: 1.5, h: 2, l: 1, t: ms, n: 3 });
    const results = [row(t), row(t + 30_000), row(t), row(JULY.end.getTime()), { v: 1, o: 1, h: 1, l: 1, c: 1 }];
    fake.setFaults({ byRequest: { 1: { type: 'status', status: 200, body: { ticker: 'SPY', queryCount: 5, resultsCount: 5, adjusted: true, results, status: 'OK', request_id: 'x', count: 5 } } } });
    const got = await client().fetchWindow(JULY);
    // The repeated row is left to the writer, which applies every stored-bar rule (runner.ts).
    expect(got.bars.map((b) => b.timestamp.getTime())).toEqual([t, t]);
    expect(got.rejected.map((r) => r.reason)).toEqual(['not a 1m bar start', 'outside the requested window', 'row without a valid timestamp']);
  });

  it('retries 429 (honouring Retry-After), 5xx, resets, truncated bodies and timeouts', async () => {
    fake.setFaults({
      byRequest: {
        1: { type: 'status', status: 429, retryAfterSeconds: 1 },
        2: { type: 'status', status: 500 },
        3: { type: 'reset' },
        5: { type: 'truncate' },
        6: { type: 'delay', delayMs: 400 },
        7: { type: 'status', status: 503 },
      },
    });
    const retries: RetryEvent[] = [];
    const started = performance.now();
    const got = await client({ timeoutMs: 200, maxRetries: 5 }).fetchWindow(JULY, { onRetry: (r) => retries.push(r) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(got.bars).toHaveLength(minute.length);
    expect(got.retries).toBe(6);
    expect(retries.map((r) => r.reason.split(':')[0])).toEqual(['HTTP 429', 'HTTP 500', 'ECONNRESET', 'ERR_BAD_RESPONSE', 'ECONNABORTED', 'HTTP 503']);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(1000);
  });

  it('gives up after the bounded number of retries', async () => {
    fake.setFaults({ random: { seed: 1, probability: 1, actions: [{ type: 'status', status: 502 }] } });
    const error = await client({ maxRetries: 2 }).fetchWindow(JULY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolygonRequestError);
    expect((error as PolygonRequestError).message).toBe('HTTP 502: 502 Bad Gateway (gave up after 3 attempts)');
    expect((error as PolygonRequestError).retries).toBe(2);
    expect((error as PolygonRequestError).fatal).toBe(false);
  });

  it('does not retry a refused key (fatal) and never reveals the key', async () => {
    const wrong = 'wrong-key-abcdef';
    const error = (await client({ apiKey: wrong }).fetchWindow(JULY).catch((e: unknown) => e)) as PolygonRequestError;
    expect(error).toBeInstanceOf(PolygonRequestError);
    expect(error.fatal).toBe(true);
    expect(error.retries).toBe(0);
    expect(error.message).toMatch(/^HTTP 401/);
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(wrong);
  });

  it('redacts keys from any URL text', () => {
    expect(redactApiKey('GET /v2/aggs/x?apiKey=abc123&limit=5', 'abc123')).toBe('GET /v2/aggs/x?apiKey=***&limit=5');
    expect(redactApiKey('key abc123 leaked', 'abc123')).toBe('key *** leaked');
  });

  it('stops at once when aborted', async () => {
    fake.setFaults({ byRequest: { 1: { type: 'delay', delayMs: 2000 } } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    await expect(client().fetchWindow(JULY, { signal: controller.signal })).rejects.toThrow('stop now');
  });
});
