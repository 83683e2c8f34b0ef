// A throwaway worker process for the job-queue fault tests: works the `slow` queue of the
// database in DATABASE_URL, prints "started <job id>" when a job begins, and never finishes it,
// so the test can kill -9 it mid-job.
import pg from 'pg';
import { JobQueue } from '../../server/jobs/queue';
import { SLOW_QUEUE } from './slow-queue';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
const queue = new JobQueue(pool, { queues: [SLOW_QUEUE], pollingIntervalSeconds: 0.5 });
await queue.start();
await queue.work(SLOW_QUEUE.name, async (_data, { id }) => {
  process.stdout.write(`started ${id}\n`);
  await new Promise(() => undefined);
});
process.stdout.write('ready\n');
