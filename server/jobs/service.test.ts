// A burst of bar writes queues one feature recomputation per series, from the earliest change.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { JOB, jobQueues } from './definitions';
import { JobQueue } from './queue';
import { JobRepository } from './repository';
import { JobService } from './service';

let db: TestDatabase;
let pool: pg.Pool;
let queue: JobQueue;
let jobs: JobService;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  queue = new JobQueue(pool, { queues: jobQueues(loadConfig({})) });
  await queue.start();
  jobs = new JobService(queue, new JobRepository(pool));
});
afterAll(async () => {
  await queue.stop(1000);
  await pool.end();
  await db.drop();
});

const queued = async () =>
  (
    await db.pool.query<{ key: string; since: string; state: string }>(
      `SELECT singleton_key AS key, data->>'since' AS since, state::text FROM pgboss.job WHERE name = $1 ORDER BY singleton_key, state`,
      [JOB.featuresRecompute],
    )
  ).rows;

describe('feature recomputation jobs', () => {
  it('coalesce per series into one queued job from the earliest change', async () => {
    const t = (iso: string) => new Date(iso);
    await jobs.recomputeFeatures('SPY', '1m', t('2025-07-03T14:00:00Z'));
    await jobs.recomputeFeatures('SPY', '1m', t('2025-07-01T14:00:00Z'));
    await jobs.recomputeFeatures('SPY', '1m', t('2025-07-02T14:00:00Z')); // later: changes nothing
    await jobs.recomputeFeatures('QQQ', '1h', t('2025-07-05T14:00:00Z'));
    expect(await queued()).toEqual([
      { key: 'QQQ:1h', since: '2025-07-05T14:00:00.000Z', state: 'created' },
      { key: 'SPY:1m', since: '2025-07-01T14:00:00.000Z', state: 'created' },
    ]);
  });

  it('queue a new job beside one already running, which may have read the bars before the change', async () => {
    await db.pool.query(`UPDATE pgboss.job SET state = 'active', started_on = now() WHERE name = $1 AND singleton_key = 'SPY:1m'`, [JOB.featuresRecompute]);
    await jobs.recomputeFeatures('SPY', '1m', new Date('2025-07-04T14:00:00Z'));
    expect((await queued()).filter((j) => j.key === 'SPY:1m')).toEqual([
      { key: 'SPY:1m', since: '2025-07-01T14:00:00.000Z', state: 'active' },
      { key: 'SPY:1m', since: '2025-07-04T14:00:00.000Z', state: 'created' },
    ]);
  });
});

describe('paper order matching jobs', () => {
  it('queue one matching per ticker of a bar write; a second write while it is queued adds none', async () => {
    const matching = async () =>
      (await db.pool.query<{ key: string }>(`SELECT singleton_key AS key FROM pgboss.job WHERE name = $1 AND state = 'created' ORDER BY 1`, [JOB.ordersMatch])).rows;
    await jobs.matchOrdersOf(['SPY', 'QQQ', 'SPY']);
    await jobs.matchOrdersOf(['SPY']);
    expect(await matching()).toEqual([{ key: 'QQQ' }, { key: 'SPY' }]);
  });
});
