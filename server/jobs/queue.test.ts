// The job queue on a real PostgreSQL, with real worker processes: retries with backoff then the
// dead-letter queue, a schedule run once across two instances, and a job whose worker is
// kill -9ed finished by another worker, once.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { SLOW_QUEUE } from '../../tooling/jobs/slow-queue';
import { deadLetterName, JobQueue, throttledErrorLog, type JobQueueOptions } from './queue';
import { JobRepository } from './repository';

let db: TestDatabase;
const queues: JobQueue[] = [];
const pools: pg.Pool[] = [];

/** One app instance's queue: its own pool, same database. */
async function instance(options: Partial<JobQueueOptions> & Pick<JobQueueOptions, 'queues'>): Promise<JobQueue> {
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pools.push(pool);
  const queue = new JobQueue(pool, { pollingIntervalSeconds: 0.5, maintenanceIntervalSeconds: 1, ...options });
  await queue.start();
  queues.push(queue);
  return queue;
}

async function jobRows(name: string) {
  const { rows } = await db.pool.query<{ id: string; state: string; retry_count: number; data: unknown }>(
    `SELECT id, state::text, retry_count, data FROM pgboss.job WHERE name = $1 ORDER BY created_on`,
    [name],
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const queue of queues) await queue.stop(1000);
  for (const pool of pools) await pool.end();
  await db.drop();
});

describe('JobQueue', () => {
  // First, while the database has no pgboss schema yet.
  it('starts two instances at once on a fresh database (one installs pg-boss, the other waits)', async () => {
    const q = { name: 'start-race', retryLimit: 0, retryDelay: 1, expireInSeconds: 30 };
    await Promise.all([instance({ queues: [q] }), instance({ queues: [q] })]);
    const { rows } = await db.pool.query(`SELECT name FROM pgboss.queue WHERE name LIKE 'start-race%' ORDER BY name`);
    expect(rows.map((r) => r.name)).toEqual(['start-race', 'start-race-dead']);
  });

  it('retries a failing job with growing delays, then fails it for good into the dead-letter queue', async () => {
    const flaky = { name: 'flaky', retryLimit: 2, retryDelay: 1, expireInSeconds: 30 };
    const queue = await instance({ queues: [flaky] });
    const attempts: number[] = [];
    await queue.work(flaky.name, async () => {
      attempts.push(Date.now());
      throw new Error(`boom ${attempts.length}`);
    });
    const id = await queue.send(flaky.name, { n: 1 });
    await expect.poll(async () => (await jobRows(flaky.name))[0]?.state, { timeout: 20_000, interval: 200 }).toBe('failed');
    expect(attempts).toHaveLength(3);
    // Backoff: retryDelay * 2^n / 2 plus as much jitter, so 1-2 s, then 2-4 s.
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(1000);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(2000);
    expect(await jobRows(deadLetterName(flaky.name))).toMatchObject([{ state: 'created', data: { n: 1 } }]);

    const repository = new JobRepository(db.pool);
    const dead = await repository.list({ state: 'dead', limit: 10 });
    expect(dead.map((j) => [j.queue, j.state, j.attempts, j.error])).toEqual([
      ['flaky-dead', 'created', 0, 'boom 3'], // the copy keeps the error
      ['flaky', 'failed', 3, 'boom 3'],
    ]);
    expect(dead[1]!.id).toBe(id);
    expect(await repository.counts()).toMatchObject({ failed: 1, created: 1, dead: 2 });

    // Every state change reached the change feed from pg-boss's own statements, in order.
    const { rows: events } = await db.pool.query<{ name: string; payload: { queue: string; retryCount: number } }>(
      `SELECT name, payload FROM events WHERE topic = 'job' AND payload->>'id' = $1 ORDER BY id`,
      [id],
    );
    expect(events.map((e) => e.name)).toEqual(['job.created', 'job.active', 'job.retry', 'job.active', 'job.retry', 'job.active', 'job.failed']);
    expect(events.at(-1)!.payload).toMatchObject({ queue: 'flaky', state: 'failed', retryCount: 2 });
  });

  it('runs a scheduled job once per schedule across two instances', async () => {
    // A schedule sends at most one job per minute: stay clear of a minute boundary.
    const second = new Date().getUTCSeconds();
    if (second > 45) await sleep((61 - second) * 1000);
    const tick = { name: 'tick', retryLimit: 0, retryDelay: 0, expireInSeconds: 30 };
    const handled: string[] = [];
    for (const name of ['a', 'b']) {
      const queue = await instance({ queues: [tick], cronMonitorIntervalSeconds: 1 });
      await queue.work(tick.name, async () => void handled.push(name));
      await queue.schedule(tick.name, '* * * * *');
    }
    await expect.poll(() => handled.length, { timeout: 15_000, interval: 200 }).toBe(1);
    await sleep(4000); // both instances' cron monitors ran several times meanwhile
    expect(handled).toHaveLength(1);
    expect(await jobRows(tick.name)).toMatchObject([{ state: 'completed' }]);
  });

  it('hands a job whose worker process was killed (kill -9) to a live worker, which completes it once', async () => {
    const queue = await instance({ queues: [SLOW_QUEUE] });
    const id = await queue.send(SLOW_QUEUE.name, { work: 'x' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'tooling/jobs/worker.ts'], {
      env: { ...process.env, DATABASE_URL: db.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes(`started ${id}`)) resolve();
        });
        child.once('exit', () => reject(new Error(`worker exited early: ${out}`)));
      });
      expect((await jobRows(SLOW_QUEUE.name))[0]).toMatchObject({ state: 'active', retry_count: 0 });
      child.kill('SIGKILL');
      await exited;
      const done: string[] = [];
      await queue.work(SLOW_QUEUE.name, async (_data, job) => void done.push(job.id));
      await expect.poll(() => done, { timeout: 15_000, interval: 200 }).toEqual([id]);
      await sleep(1500);
      expect(done).toEqual([id]);
      expect(await jobRows(SLOW_QUEUE.name)).toMatchObject([{ id, state: 'completed', retry_count: 1 }]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('throttledErrorLog', () => {
  it('logs the first error, then at most one line per interval, then "recovered"', async () => {
    const lines: Array<{ msg: string; suppressed?: number }> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) });
    const onError = throttledErrorLog(log, 300);
    const started = Date.now();
    while (Date.now() - started < 700) {
      onError(new Error('connect ECONNREFUSED'));
      await sleep(20);
    }
    await sleep(500);
    const messages = lines.map((l) => l.msg);
    expect(messages[0]).toMatch(/database error/);
    expect(messages.filter((m) => m === 'job queue: still failing').length).toBeLessThanOrEqual(2);
    expect(messages.length).toBeLessThanOrEqual(4);
    expect(messages.at(-1)).toBe('job queue: recovered');
    expect(lines.find((l) => l.msg === 'job queue: still failing')?.suppressed).toBeGreaterThan(5);
  });
});
