// npm run bench:api — end-to-end latency of the REST API: the real server (a child process,
// `server/main.ts`) on the configured database with demo data; one sequential client (the latency a
// bot sees) and autocannon at 50 concurrent connections (throughput and queueing). Prints req/s,
// median and p99 beside the target each figure must meet (the plan's 100 ms per request; 500 ms for
// a one-year read, twice our goal, as a regression guard) and our tighter goals (the issue's: at 50
// connections median < 5 ms and p99 < 25 ms; the one-year read < 250 ms), which are reported as
// met or not. And the issue's per-request cost: each hot read's throughput at 50 connections as a
// share of a bare Express route serving the same bytes (tooling/bench/bare-express.ts, its own
// process, measured in the same run right after it): at least 0.35, our goal 0.5. Exits non-zero
// when a target is missed.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { sessionsBetween, simulateMinuteBars } from '../server/demo/market-simulator';
import { createServices } from '../server/services';
import { freePort } from '../server/testing/postgres';

const CONNECTIONS = 50;
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RANGE_TICKER = 'ZZAPIBENCH';
/** The issue's floor for real / bare throughput on a hot read, and our goal. */
const RATIO_TARGET = 0.35;
const RATIO_GOAL = 0.5;
const RATIO_ROUNDS = 3;
const HOT_READS = [
  ['GET /api/predictions/latest', '/api/predictions/latest?ticker=SPY&timeframe=1h'],
  ['GET /api/market-data/latest', '/api/market-data/latest?ticker=SPY&timeframe=1h'],
  ['GET /api/trading/signals', '/api/trading/signals'],
] as const;

const config = loadConfig({ ...process.env, SEED_DEMO: 'auto' });
const port = await freePort();
// The server owns the database; this process shares it (embedded cluster or DATABASE_URL).
const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
  env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMITS: 'default=100000000' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  server.stdout.on('data', (d: Buffer) => d.toString().includes('Quantbase is running') && resolve());
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const base = `http://127.0.0.1:${port}`;

const db = await openDatabase(config);
const services = createServices(db, config);
const { key } = await services.auth.createKey('bench-api', ['admin'], new Date(Date.now() + 3_600_000));
const headers = { authorization: `Bearer ${key}` };

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  /** Median must be below: missing it fails the run. */
  target: number;
  /** Ours, reported: median and p99 below these. */
  goal?: { p50: number; p99?: number };
}
const rows: Row[] = [];

/** One client, one request at a time: the latency a single bot sees. */
async function sequential(name: string, path: string, target: number) {
  const times: number[] = [];
  for (let i = 0; i < 220; i++) {
    const started = performance.now();
    const res = await fetch(base + path, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
    if (i >= 20) times.push(performance.now() - started); // the first 20 warm up
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  rows.push({ name: `${name} (1 client, sequential)`, rps: 1000 / at(0.5), p50: at(0.5), p99: at(0.99), target });
}

/** `CONNECTIONS` concurrent connections on `url` for `seconds` (autocannon); fails on any error. */
async function hammer(name: string, url: string, seconds = DURATION_SECONDS) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/** 50 concurrent connections for DURATION_SECONDS (autocannon): throughput and queueing. */
async function load(name: string, path: string) {
  const result = await hammer(name, base + path);
  rows.push({
    name: `${name} (${CONNECTIONS} connections)`,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    target: 100,
    goal: { p50: 5, p99: 25 },
  });
}

/** GET with node:http, the body as bytes: the lightest client, so the figure is mostly the server's. */
function download(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}`))));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

interface Ratio {
  name: string;
  real: number;
  bare: number;
}
const ratios: Ratio[] = [];

/** Starts the bare Express yardstick serving, on each hot read's path, the bytes the real route gave. */
async function startBareServer(): Promise<{ base: string; child: ChildProcessWithoutNullStreams; dir: string }> {
  const bodies: Record<string, string> = {};
  for (const [, route] of HOT_READS) bodies[new URL(route, base).pathname] = (await download(base + route)).toString('base64');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qb-bench-api-'));
  await fs.writeFile(path.join(dir, 'bodies.json'), JSON.stringify(bodies));
  const child = spawn(process.execPath, ['--import', 'tsx', 'tooling/bench/bare-express.ts', path.join(dir, 'bodies.json')], { stdio: 'pipe' });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const match = /listening (\d+)/.exec(d.toString());
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return { base: `http://127.0.0.1:${port}`, child, dir };
}

/**
 * Real and bare after a short warm-up each (JIT, caches, connections), then alternately in
 * RATIO_ROUNDS rounds of DURATION_SECONDS / RATIO_ROUNDS: on a shared machine whose speed drifts,
 * each round compares the two at about the same moment. The ratio is the median round's.
 */
async function ratio(bareBase: string, name: string, route: string) {
  await hammer(name, base + route, 2);
  await hammer(`${name} (bare)`, bareBase + route, 2);
  const rounds: Ratio[] = [];
  for (let round = 0; round < RATIO_ROUNDS; round++) {
    const seconds = Math.max(1, Math.round(DURATION_SECONDS / RATIO_ROUNDS));
    const real = await hammer(name, base + route, seconds);
    const bare = await hammer(`${name} (bare)`, bareBase + route, seconds);
    rounds.push({ name, real: real.requests.average, bare: bare.requests.average });
  }
  rounds.sort((x, y) => x.real / x.bare - y.real / y.bare);
  ratios.push(rounds[Math.floor(rounds.length / 2)]!);
}

let ok = false;
try {
  const bare = await startBareServer();
  try {
    for (const [name, route] of HOT_READS) await ratio(bare.base, name, route);
  } finally {
    bare.child.kill('SIGTERM');
    await fs.rm(bare.dir, { recursive: true, force: true });
  }

  const latest = ['GET /api/predictions/latest?ticker=SPY&timeframe=1h', '/api/predictions/latest?ticker=SPY&timeframe=1h'] as const;
  const bars = ['GET /api/market-data?ticker=SPY&timeframe=1h&limit=100', '/api/market-data?ticker=SPY&timeframe=1h&limit=100'] as const;
  await sequential(...latest, 100);
  await sequential(...bars, 100);
  await load(...bars);

  // One year of 1m bars through the whole stack (auth, rate limit, validation, JSON), one at a time.
  const year = simulateMinuteBars({ ticker: RANGE_TICKER, startPrice: 300, annualVol: 0.2, annualDrift: 0, minuteVolume: 1e5 }, sessionsBetween('2024-06-01', '2025-06-30'), 3).slice(-100_000);
  await services.marketData.upsertBars(year);
  const url = `${base}/api/market-data/range?ticker=${RANGE_TICKER}&timeframe=1m&from=${year[0]!.timestamp.toISOString()}&to=2025-07-01T00:00:00Z`;
  // Timed until the last byte is in (what the server and the network deliver); the client's own
  // JSON.parse of 14 MB is the bot's business and is checked outside the timing.
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    const body = await download(url);
    times.push(performance.now() - started);
    const { count, data } = JSON.parse(body.toString('utf8')) as { count: number; data: unknown[] };
    if (count !== year.length || data.length !== year.length) throw new Error(`range returned ${count} bars`);
  }
  times.sort((a, b) => a - b);
  rows.push({ name: 'GET /api/market-data/range (one year of 1m, 100,000 bars, 14 MB)', rps: 1000 / times[3]!, p50: times[3]!, p99: times.at(-1)!, target: 500, goal: { p50: 250 } });

  console.log(`\nREST API under load: ${CONNECTIONS} connections, ${DURATION_SECONDS} s per route (database: ${db.mode})\n`);
  console.log('route'.padEnd(72), 'req/s'.padStart(7), 'median'.padStart(10), 'p99'.padStart(10), '  target (median)', '  our goal');
  ok = true;
  for (const r of rows) {
    const missed = r.p50 >= r.target;
    ok &&= !missed;
    const goalMet = r.goal && r.p50 < r.goal.p50 && (r.goal.p99 === undefined || r.p99 < r.goal.p99);
    const goal = r.goal ? `median < ${r.goal.p50}${r.goal.p99 ? `, p99 < ${r.goal.p99}` : ''} ms: ${goalMet ? 'met' : 'not met'}` : '';
    console.log(
      r.name.padEnd(72),
      r.rps.toFixed(0).padStart(7),
      `${r.p50.toFixed(1)} ms`.padStart(10),
      `${r.p99.toFixed(1)} ms`.padStart(10),
      `  < ${r.target} ms ${missed ? 'MISSED' : 'ok'}`.padEnd(18),
      ` ${goal}`,
    );
  }

  console.log(
    `\nPer-request cost: throughput at ${CONNECTIONS} connections, real route vs a bare Express route serving the same bytes (median of ${RATIO_ROUNDS} alternating rounds)\n`,
  );
  console.log('route'.padEnd(40), 'real req/s'.padStart(11), 'bare req/s'.padStart(11), 'ratio'.padStart(7), `  target >= ${RATIO_TARGET}`, `  our goal >= ${RATIO_GOAL}`);
  for (const r of ratios) {
    const share = r.real / r.bare;
    ok &&= share >= RATIO_TARGET;
    console.log(
      r.name.padEnd(40),
      r.real.toFixed(0).padStart(11),
      r.bare.toFixed(0).padStart(11),
      share.toFixed(2).padStart(7),
      `  ${share >= RATIO_TARGET ? 'ok' : 'MISSED'}`.padEnd(16),
      `  ${share >= RATIO_GOAL ? 'met' : 'not met'}`,
    );
  }
} finally {
  await db.pool.query(`DELETE FROM market_data WHERE ticker = $1`, [RANGE_TICKER]);
  await services.auth.revokeKey('bench-api');
  await db.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
}
process.exit(ok ? 0 : 1);
