// npm run export as a real child process: the file it writes, its progress output and exit codes,
// and its memory: exporting two years of one-minute bars of three tickers with 20 features (a file
// of over 100 MB) peaks at about the resident memory of a one-week export, because rows stream from
// the database cursor to the file batch by batch.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COLUMNS } from '../server/features/indicators';
import { createTestDatabase, type TestDatabase } from '../server/testing/db';

const ROOT = path.resolve(import.meta.dirname, '..');
const TICKERS = ['MEMA', 'MEMB', 'MEMC'];
const FEATURES = [...FEATURE_COLUMNS, 'wma_20'];

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qb-export-'));
  // Two years of regular-session minutes (09:30-15:59 New York, weekdays) per ticker, made inside
  // PostgreSQL, and a feature row for every bar: ~610,000 rows of each.
  await db.pool.query(`
    INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume, source)
    SELECT ticker, '1m', (day + make_interval(mins => minute)) AT TIME ZONE 'America/New_York', price, price * 1.001, price * 0.999, price, 1000, 'test'
    FROM unnest($1::text[]) AS t(ticker),
         generate_series('2023-01-02'::timestamp, '2024-12-31'::timestamp, '1 day') AS day,
         generate_series(570, 959) AS minute,
         LATERAL (SELECT round((100 + 5 * sin(extract(epoch FROM day) / 86400 + minute / 60.0))::numeric, 2)::float8 AS price) p
    WHERE extract(isodow FROM day) < 6`,
    [TICKERS],
  );
  await db.pool.query(`
    INSERT INTO features (ticker, timeframe, "timestamp", ${FEATURE_COLUMNS.join(', ')}, features)
    SELECT ticker, timeframe, "timestamp", ${FEATURE_COLUMNS.map((_, i) => `close + ${i}`).join(', ')}, jsonb_build_object('wma_20', close - 1)
    FROM market_data WHERE ticker = ANY($1)`,
    [TICKERS],
  );
}, 180_000);
afterAll(async () => {
  await db.drop();
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * V8 flags for the CLI: a small heap. With the default one, when the collector runs decides more of
 * the peak than what the export holds (one-week peaks ranged 161-186 MB run to run); with 64 MB of old
 * space they repeat within 1 MB, and an export that kept its rows in the heap would die.
 */
const TIGHT_HEAP = ['--max-old-space-size=64', '--max-semi-space-size=4'];

/** Runs the CLI; samples its peak resident memory (VmHWM) until it exits. */
function exportCli(args: string[]): Promise<{ code: number | null; out: string; peakRssMb: number }> {
  const child = spawn(process.execPath, [...TIGHT_HEAP, '--import', 'tsx', 'scripts/export.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let peakKb = 0;
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const sample = setInterval(() => {
    fs.readFile(`/proc/${child.pid}/status`, 'utf8')
      .then((status) => (peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0))))
      .catch(() => undefined); // exited meanwhile
  }, 25);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearInterval(sample);
      resolve({ code, out, peakRssMb: peakKb / 1024 });
    }),
  );
}

const definition = (tickers: string[], from: string, to: string) => ['--ticker', tickers.join(','), '--timeframe', '1m', '--from', from, '--to', to, '--features', FEATURES.join(','), '--horizon', '5'];

describe('npm run export', () => {
  it('streams two years of minute bars of three tickers to an Arrow file with bounded memory', async () => {
    const small = await exportCli([...definition(['MEMA'], '2024-06-03', '2024-06-08'), '--format', 'arrow', '--out', path.join(dir, 'week.arrows')]);
    expect(small.code, small.out).toBe(0);

    const file = path.join(dir, 'two-years.arrows');
    const big = await exportCli([...definition(TICKERS, '2023-01-01', '2025-01-01'), '--format', 'arrow', '--out', file, '--split', '2024-01-01,2024-07-01']);
    expect(big.code, big.out).toBe(0);
    const size = (await fs.stat(file)).size;
    expect(size).toBeGreaterThan(100 * 1024 * 1024);
    const table = tableFromIPC(await fs.readFile(file));
    expect(table.numRows).toBeGreaterThan(600_000);
    expect(big.out).toMatch(/rows: train \d+, validation \d+, test \d+ \(of 6\d{5} bars\)/);
    // A file of over 100 MB, yet the process peaks within 80 MB of the one-week export's peak
    // (measured: 138 vs 178 MB).
    expect(big.peakRssMb - small.peakRssMb, `peaks: ${small.peakRssMb.toFixed(0)} MB (one week) vs ${big.peakRssMb.toFixed(0)} MB (two years)`).toBeLessThan(80);
  }, 180_000);

  it('writes CSV and saves a version; invalid options exit 2 naming the option', async () => {
    const file = path.join(dir, 'week.csv');
    const run = await exportCli([...definition(['MEMA', 'MEMB'], '2024-06-03', '2024-06-08'), '--format', 'csv', '--label', 'direction', '--out', file, '--save', 'cli-week']);
    expect(run.code, run.out).toBe(0);
    const lines = (await fs.readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe(['ticker', 'timestamp', ...FEATURES, 'label', 'split'].join(','));
    expect(lines.length).toBeGreaterThan(2 * 5 * 380);
    expect(run.out).toMatch(/saved: cli-week v1 \([0-9a-f-]{36}\), sha256 [0-9a-f]{64}/);

    const bad = await exportCli(['--ticker', 'MEMA', '--timeframe', '1m', '--from', '2024-06-03', '--to', '2024-06-08', '--features', 'sma_20,nope', '--neutral-band', '-1']);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/--features: unknown feature column\(s\): nope/);
    expect(bad.out).toMatch(/--neutral-band: /);
  }, 120_000);
});
