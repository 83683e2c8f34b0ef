// The soak's load: a fixed-rate, open-loop mix of reads, bulk bar writes, prediction posts and
// paper orders against one base URL, then the check that the database holds exactly what was
// acknowledged. Each run writes under its own ticker, so a shared database does not skew the counts.
import crypto from 'node:crypto';
import pg from 'pg';

export interface SoakOptions {
  url: string;
  apiKey: string;
  databaseUrl: string;
  seconds: number;
  /** Requests started per second, whatever the latency (open loop). */
  rate: number;
}

export interface SoakResult {
  requests: number;
  byKind: Record<string, number>;
  /** `status 502`, `network ECONNRESET`, `timeout`, `check ...`: how many of each. */
  errors: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Responses per upstream instance (nginx's X-Upstream header). */
  upstreams: Record<string, number>;
  /** Most requests open at once: far above rate x median latency means the servers fell behind. */
  peakInFlight: number;
  acknowledged: { bars: number; predictions: number; orders: number };
  stored: { bars: number; predictions: number; trades: number; distinctOrders: number; position: number };
}

const BARS_PER_WRITE = 100;
const SEED_BLOCKS = 10;
const MINUTE = 60_000;
const BASE_TIME = Date.UTC(2026, 0, 5, 14, 30);
// Generous: on a loaded machine a slow answer is not an error, but no answer at all is.
const REQUEST_TIMEOUT_MS = 30_000;

/** The mix, as cumulative weights out of 100. */
const MIX = [
  ['latest bars', 25],
  ['range read', 15],
  ['predictions latest', 15],
  ['signals', 10],
  ['bulk bar write', 10],
  ['prediction post', 15],
  ['paper order', 10],
] as const;
type Kind = (typeof MIX)[number][0];

function barBlock(ticker: string, block: number) {
  return Array.from({ length: BARS_PER_WRITE }, (_, i) => {
    const minute = block * BARS_PER_WRITE + i;
    const close = 100 + Math.sin(minute / 50) * 5;
    return { ticker, timeframe: '1m', timestamp: new Date(BASE_TIME + minute * MINUTE).toISOString(), open: close - 0.1, high: close + 0.5, low: close - 0.5, close, volume: 1000 + minute };
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const runId = crypto.randomBytes(4).toString('hex').toUpperCase();
  const ticker = `SOAK${runId.replace(/[0-9]/g, (d) => String.fromCharCode(65 + Number(d)))}`;
  const headers = { Authorization: `Bearer ${opts.apiKey}`, 'Content-Type': 'application/json' };
  const call = (path: string, body?: unknown) =>
    fetch(`${opts.url}/api${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });

  // Seed: bars to fill orders at and read back, and the model the predictions belong to.
  for (let block = 0; block < SEED_BLOCKS; block++) {
    const res = await call('/market-data/bulk', { bars: barBlock(ticker, block) });
    if (!res.ok) throw new Error(`seeding bars failed: ${res.status} ${await res.text()}`);
  }
  const model = await call('/models', { name: `soak-${runId}`, version: '1.0.0', algorithm: 'soak', ticker, timeframe: '1m', accuracy: 0.7 });
  if (!model.ok) throw new Error(`registering the model failed: ${model.status} ${await model.text()}`);
  const modelId = ((await model.json()) as { model: { id: string } }).model.id;

  const result: SoakResult = {
    requests: 0,
    byKind: {},
    errors: {},
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
    upstreams: {},
    peakInFlight: 0,
    acknowledged: { bars: SEED_BLOCKS * BARS_PER_WRITE, predictions: 0, orders: 0 },
    stored: { bars: 0, predictions: 0, trades: 0, distinctOrders: 0, position: 0 },
  };
  const latencies: number[] = [];
  const countError = (kind: string) => (result.errors[kind] = (result.errors[kind] ?? 0) + 1);
  let nextBlock = SEED_BLOCKS;
  let nextPrediction = 0;
  let nextOrder = 0;
  let open = 0;
  const range = `ticker=${ticker}&timeframe=1m&from=${new Date(BASE_TIME).toISOString()}&to=${new Date(BASE_TIME + SEED_BLOCKS * BARS_PER_WRITE * MINUTE).toISOString()}`;

  const request = (kind: Kind): [string, unknown?, ((body: unknown) => void)?] => {
    switch (kind) {
      case 'latest bars':
        return [`/market-data/latest?ticker=${ticker}&timeframe=1m`];
      case 'range read':
        return [`/market-data/range?${range}`];
      case 'predictions latest':
        return [`/predictions/latest?ticker=${ticker}&timeframe=1m`];
      case 'signals':
        return [`/trading/signals?ticker=${ticker}`];
      case 'bulk bar write':
        return ['/market-data/bulk', { bars: barBlock(ticker, nextBlock++) }, (body) => (result.acknowledged.bars += (body as { inserted: number }).inserted)];
      case 'prediction post': {
        const at = BASE_TIME + nextPrediction++ * MINUTE;
        const prediction = { modelId, ticker, timeframe: '1m', predictionTime: new Date(at).toISOString(), targetTime: new Date(at + MINUTE).toISOString(), direction: 'UP', confidence: 0.8, basePrice: 100 };
        return ['/predictions', prediction, () => (result.acknowledged.predictions += 1)];
      }
      case 'paper order':
        return ['/trading/execute', { ticker, side: 'BUY', quantity: 1, clientOrderId: `soak-${runId}-${nextOrder++}` }, () => (result.acknowledged.orders += 1)];
    }
  };

  const send = async (kind: Kind) => {
    const [path, body, onAcknowledged] = request(kind);
    result.requests += 1;
    result.byKind[kind] = (result.byKind[kind] ?? 0) + 1;
    const started = performance.now();
    open += 1;
    result.peakInFlight = Math.max(result.peakInFlight, open);
    try {
      const res = await call(path, body);
      const text = await res.text();
      latencies.push(performance.now() - started);
      const upstream = res.headers.get('x-upstream') ?? 'none';
      result.upstreams[upstream] = (result.upstreams[upstream] ?? 0) + 1;
      if (!res.ok) return countError(`status ${res.status} (${kind})`);
      onAcknowledged?.(JSON.parse(text));
    } catch (error) {
      const err = error as Error & { cause?: { code?: string } };
      countError(err.name === 'TimeoutError' ? `timeout (${kind})` : `network ${err.cause?.code ?? err.name} (${kind})`);
    } finally {
      open -= 1;
    }
  };

  // Open loop: request i starts at i / rate seconds, whether or not earlier ones have answered.
  const total = Math.round(opts.seconds * opts.rate);
  const inFlight: Promise<unknown>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const roll = (i * 37) % 100; // a fixed, evenly spread sequence through the mix
    let acc = 0;
    const kind = MIX.find(([, weight]) => (acc += weight) > roll)![0];
    inFlight.push(send(kind));
  }
  await Promise.all(inFlight);

  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  result.latencyMs = { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) };
  result.stored = await storedCounts(opts.databaseUrl, ticker, `soak-${runId}-%`);
  const { acknowledged: ack, stored } = result;
  if (stored.bars !== ack.bars) countError(`check: ${stored.bars} bars stored, ${ack.bars} acknowledged`);
  if (stored.predictions !== ack.predictions) countError(`check: ${stored.predictions} predictions stored, ${ack.predictions} acknowledged`);
  if (stored.trades !== ack.orders || stored.distinctOrders !== ack.orders) countError(`check: ${stored.trades} trades (${stored.distinctOrders} client order ids) for ${ack.orders} acknowledged orders`);
  if (stored.position !== ack.orders) countError(`check: position ${stored.position}, ${ack.orders} bought`);
  return result;
}

async function storedCounts(databaseUrl: string, ticker: string, orderPattern: string): Promise<SoakResult['stored']> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<SoakResult['stored']>(
      `SELECT (SELECT count(*)::int FROM market_data WHERE ticker = $1) AS bars,
              (SELECT count(*)::int FROM predictions WHERE ticker = $1) AS predictions,
              (SELECT count(*)::int FROM trades WHERE ticker = $1) AS trades,
              (SELECT count(DISTINCT client_order_id)::int FROM trades WHERE ticker = $1 AND client_order_id LIKE $2) AS "distinctOrders",
              coalesce((SELECT quantity FROM portfolio WHERE ticker = $1), 0)::float8 AS position`,
      [ticker, orderPattern],
    );
    return rows[0]!;
  } finally {
    await client.end();
  }
}

export function formatSoakResult(r: SoakResult, seconds: number): string {
  const errorCount = Object.values(r.errors).reduce((a, b) => a + b, 0);
  return [
    `soak: ${r.requests} requests in ${seconds} s (${Math.round(r.requests / seconds)} req/s): ${Object.entries(r.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `upstreams: ${Object.entries(r.upstreams).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `latency ms: p50 ${r.latencyMs.p50}, p95 ${r.latencyMs.p95}, p99 ${r.latencyMs.p99}, max ${r.latencyMs.max}; at most ${r.peakInFlight} requests open at once`,
    `acknowledged: ${r.acknowledged.bars} bars, ${r.acknowledged.predictions} predictions, ${r.acknowledged.orders} orders`,
    `stored: ${r.stored.bars} bars, ${r.stored.predictions} predictions, ${r.stored.trades} trades (${r.stored.distinctOrders} client order ids), position ${r.stored.position}`,
    errorCount === 0 ? 'errors: 0' : `errors: ${errorCount}: ${Object.entries(r.errors).map(([k, n]) => `${k} ×${n}`).join(', ')}`,
  ].join('\n');
}
