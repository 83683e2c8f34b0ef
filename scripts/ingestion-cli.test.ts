// The backfill and validate CLIs as real child processes, including a kill -9 in mid-run.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TICKERS, sessionsBetween, simulateMinuteBars } from '../server/demo/market-simulator';
import { startFakePolygon, type FakePolygon } from '../tooling/fake-polygon/server';
import { IngestionRepository } from '../server/ingestion/repository';
import { createTestDatabase, type TestDatabase } from '../server/testing/db';

const ROOT = path.resolve(import.meta.dirname, '..');
const bars = simulateMinuteBars(DEMO_TICKERS[0]!, sessionsBetween('2025-01-01', '2025-06-30'), 11);
const RANGE = ['--from', '2025-01-01', '--to', '2025-06-30'];

let db: TestDatabase;
let fake: FakePolygon;
let repo: IngestionRepository;

beforeAll(async () => {
  db = await createTestDatabase();
  repo = new IngestionRepository(db.prisma, db.pool);
  fake = await startFakePolygon({ minuteBars: { SPYK: bars, SPYE: bars } });
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

function cli(script: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, POLYGON_BASE_URL: fake.url, POLYGON_API_KEY: 'cli-key', POLYGON_PLAN: 'developer', POLYGON_PACING: 'off', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out })));
  return { child, done };
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}

describe('npm run backfill', () => {
  it('survives kill -9: the rerun continues where it stopped, with no duplicates and no holes', async () => {
    fake.setFaults({ random: { seed: 5, probability: 1, actions: [{ type: 'delay', delayMs: 250 }] } });
    const first = cli('scripts/backfill.ts', ['--tickers', 'SPYK', '--timeframes', '1m', ...RANGE]);
    const deadline = Date.now() + 60_000;
    while ((await count(`SELECT count(*)::int AS n FROM data_ingestion_logs WHERE ticker = 'SPYK' AND status = 'SUCCESS'`, [])) < 2) {
      if (Date.now() > deadline) throw new Error('the backfill made no progress');
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const killedRun = (await repo.listRuns({ limit: 1 })).items[0]!;
    expect(killedRun.status).toBe('RUNNING'); // nobody could record the end
    const completed = await count(`SELECT count(*)::int AS n FROM data_ingestion_logs WHERE run_id = $1 AND status = 'SUCCESS'`, [killedRun.id]);
    expect(completed).toBeLessThan(6);

    fake.setFaults();
    const second = await cli('scripts/backfill.ts', ['--tickers', 'SPYK', '--timeframes', '1m', ...RANGE]).done;
    expect(second.code).toBe(0);
    expect(second.out).toContain(`: SUCCESS in`);
    expect(second.out).toContain(`${completed} already done`);
    // Non-TTY output: plain timestamped lines per window.
    expect(second.out).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z SPYK 1m 2025-06-01\.\.2025-06-30: SUCCESS \d+ bars \[6\/6\]$/m);

    expect(await count(`SELECT count(*)::int AS n FROM market_data WHERE ticker = 'SPYK'`, [])).toBe(bars.length);
    // The window the killed run had open is closed as abandoned by the rerun (it held the series lock).
    const killedLogs = (await repo.listLogs({ runId: killedRun.id, limit: 10 })).items;
    expect(killedLogs.filter((l) => l.status === 'SUCCESS')).toHaveLength(completed);
    expect(killedLogs.filter((l) => l.status !== 'SUCCESS').every((l) => l.status === 'FAILED' && l.errorMessage?.startsWith('abandoned'))).toBe(true);
    // Once its heartbeat is stale, the killed run itself is closed too.
    await repo.reapStaleRuns(0);
    expect((await repo.getRun(killedRun.id))!).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^abandoned: no heartbeat since/) });

    const validate = await cli('scripts/validate.ts', ['--ticker', 'SPYK', '--timeframe', '1m', ...RANGE, '--json']).done;
    expect(validate.code).toBe(0);
    const report = JSON.parse(validate.out) as { ok: boolean; totals: Record<string, number> };
    expect(report.ok).toBe(true);
    expect(report.totals).toMatchObject({ bars: bars.length, duplicates: 0, missing: 0, outages: 0, missingSessions: 0 });
  }, 120_000);

  it('exits non-zero with a summary when a window exhausts its retries', async () => {
    fake.setFaults({ random: { seed: 1, probability: 1, actions: [{ type: 'status', status: 503 }] } });
    const run = await cli('scripts/backfill.ts', ['--tickers', 'SPYE', '--timeframes', '1m', '--from', '2025-06-02', '--to', '2025-06-06'], { POLYGON_MAX_RETRIES: '0' }).done;
    fake.setFaults();
    expect(run.code).toBe(1);
    expect(run.out).toContain(': FAILED in');
    expect(run.out).toContain('FAILED  SPYE 1m 2025-06-02..2025-06-06: HTTP 503: 503 Service Temporarily Unavailable (gave up after 1 attempts)');
  }, 60_000);

  it('rejects bad arguments with exit code 2', async () => {
    const run = await cli('scripts/backfill.ts', ['--tickers', 'SPY', '--timeframes', '2m']).done;
    expect(run.code).toBe(2);
    expect(run.out).toContain('--timeframes');
  }, 60_000);
});

describe('npm run validate', () => {
  it('prints the table and exits 1 when problems are found', async () => {
    const run = await cli('scripts/validate.ts', ['--ticker', 'SPYE', '--timeframe', '1m', '--from', '2025-06-02', '--to', '2025-06-06']).done;
    expect(run.code).toBe(1);
    expect(run.out).toContain('Status: PROBLEMS FOUND');
    expect(run.out).toContain('Missing sessions (5): 2025-06-02, 2025-06-03, 2025-06-04, 2025-06-05, 2025-06-06');
  }, 60_000);
});
