// The stream as the server runs it (STREAM_TICKERS set): its state in GET /api/health and its gauges
// in GET /metrics, over real HTTP.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readJson, startTestServer, type TestServer } from '../testing/http';
import { startFakePolygon, type FakePolygon } from '../../tooling/fake-polygon/server';
import { loadSpyMinuteBars } from '../../tooling/reference/reference-csv';

const minute = loadSpyMinuteBars();
const FROM = Date.parse('2025-07-02T13:30:00Z'); // 09:30 EDT
const TEN_MINUTES = minute.filter((b) => b.timestamp.getTime() >= FROM && b.timestamp.getTime() < FROM + 10 * 60_000);

let fake: FakePolygon;
let server: TestServer;

beforeAll(async () => {
  fake = await startFakePolygon({ minuteBars: { SPYH: minute }, apiKey: 'health-key' });
  server = await startTestServer({
    STREAM_TICKERS: 'SPYH',
    POLYGON_API_KEY: 'health-key',
    POLYGON_BASE_URL: fake.url,
    POLYGON_WS_URL: `${fake.url.replace(/^http/, 'ws')}/stocks`,
    STREAM_RECONNECT_MIN_MS: '20',
  });
});
afterAll(async () => {
  await server.services.stream?.stop();
  await server.close();
  await fake.close();
});

/** The value of an unlabelled sample in the Prometheus text. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} not in /metrics`);
  return Number(line.split(' ')[1]);
}

it('reports connection state, last message time and lag in /api/health and /metrics', async () => {
  const stream = server.services.stream!;
  const before = await readJson(await fetch(`${server.url}/api/health`));
  expect(before.stream).toMatchObject({ enabled: false, role: 'off', state: 'off', tickers: ['SPYH'], lastMessageAt: null, lagSeconds: null });

  stream.start();
  const deadline = Date.now() + 10_000;
  while (stream.health().state !== 'streaming' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const startedAt = Date.now();
  await fake.stream.replay({ tickers: ['SPYH'], from: FROM, to: FROM + 10 * 60_000, speed: 60_000, maxPauseMs: 5 });
  while (stream.health().barsStored < TEN_MINUTES.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

  const health = await readJson(await fetch(`${server.url}/api/health`));
  // The last bar is 09:39 EDT = 13:39 UTC; it ends at 13:40. Lag = now - 13:40 UTC that day.
  const lastEnd = Date.parse('2025-07-02T13:40:00Z');
  expect(health.stream).toMatchObject({ enabled: true, role: 'holder', state: 'streaming', barsStored: TEN_MINUTES.length, lastBarEnd: new Date(lastEnd).toISOString() });
  expect(Date.parse(health.stream.lastMessageAt)).toBeGreaterThanOrEqual(startedAt);
  expect(Math.abs(health.stream.lagSeconds - (Date.now() - lastEnd) / 1000)).toBeLessThan(5);

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(sample(metrics, 'quantbase_stream_connected')).toBe(1);
  expect(sample(metrics, 'quantbase_stream_holder')).toBe(1);
  expect(sample(metrics, 'quantbase_stream_last_message_timestamp_seconds') * 1000).toBeGreaterThanOrEqual(startedAt - 1000);
  expect(Math.abs(sample(metrics, 'quantbase_stream_lag_seconds') - (Date.now() - lastEnd) / 1000)).toBeLessThan(5);

  await stream.stop();
  const after = await (await fetch(`${server.url}/metrics`)).text();
  expect(sample(after, 'quantbase_stream_connected')).toBe(0);
  expect(sample(after, 'quantbase_stream_holder')).toBe(0);
});
