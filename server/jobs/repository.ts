// SQL on pg-boss's tables (schema `pgboss`): the job list and counts for the API, and merging a
// feature recomputation into the one already queued for its series.
import type pg from 'pg';
import { deadLetterName } from './queue';

export const JOB_STATES = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobRow {
  id: string;
  queue: string;
  state: JobState;
  /** Failed with no retry left, or a copy in a dead-letter queue. */
  dead: boolean;
  attempts: number;
  retryLimit: number;
  singletonKey: string | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

export interface JobFilter {
  state?: JobState | 'dead';
  queue?: string;
  limit: number;
}

const DEAD = `(j.state = 'failed' OR j.name LIKE '%${deadLetterName('')}')`;

export class JobRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Until the queue first started on this database, pg-boss has no tables: nothing to list. */
  private async installed(): Promise<boolean> {
    const { rows } = await this.pool.query<{ ok: boolean }>(`SELECT to_regclass('pgboss.job') IS NOT NULL AS ok`);
    return rows[0]!.ok;
  }

  async list(filter: JobFilter): Promise<JobRow[]> {
    if (!(await this.installed())) return [];
    const where = ['j.name NOT LIKE $1'];
    const params: unknown[] = ['\\_\\_pgboss%'];
    if (filter.state === 'dead') where.push(DEAD);
    else if (filter.state) where.push(`j.state = $${params.push(filter.state)}::pgboss.job_state`);
    if (filter.queue) where.push(`j.name = $${params.push(filter.queue)}`);
    const { rows } = await this.pool.query<JobRow>(
      `SELECT j.id, j.name AS queue, j.state::text AS state, ${DEAD} AS dead,
              j.retry_count + (j.started_on IS NOT NULL)::int AS attempts, j.retry_limit AS "retryLimit",
              j.singleton_key AS "singletonKey",
              CASE WHEN j.state IN ('failed', 'retry') OR ${DEAD} THEN j.output->>'message' END AS error,
              j.created_on AS "createdAt", j.started_on AS "startedAt", j.completed_on AS "completedAt"
       FROM pgboss.job j
       WHERE ${where.join(' AND ')}
       ORDER BY j.created_on DESC, j.id
       LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows;
  }

  /** Jobs per state, plus dead ones (which are also counted under their state). */
  async counts(): Promise<Record<JobState | 'dead', number>> {
    const counts = Object.fromEntries([...JOB_STATES, 'dead'].map((s) => [s, 0])) as Record<JobState | 'dead', number>;
    if (!(await this.installed())) return counts;
    const { rows } = await this.pool.query<{ state: JobState; n: number; dead: number }>(
      `SELECT j.state::text AS state, count(*)::int AS n, count(*) FILTER (WHERE ${DEAD})::int AS dead
       FROM pgboss.job j WHERE j.name NOT LIKE '\\_\\_pgboss%' GROUP BY j.state`,
    );
    for (const row of rows) {
      counts[row.state] = row.n;
      counts.dead += row.dead;
    }
    return counts;
  }

  /**
   * Moves the queued (not yet started) job of `queue`/`key` back to `since` if that is earlier;
   * false when no job is queued for the key (it just started: send a new one).
   */
  async lowerQueuedSince(queue: string, key: string, since: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE pgboss.job SET data = jsonb_set(data, '{since}', to_jsonb($3::text))
       WHERE name = $1 AND singleton_key = $2 AND state = 'created'
         AND (data->>'since')::timestamptz > $4::timestamptz`,
      [queue, key, since.toISOString(), since],
    );
    if ((rowCount ?? 0) > 0) return true;
    const { rows } = await this.pool.query(`SELECT 1 FROM pgboss.job WHERE name = $1 AND singleton_key = $2 AND state = 'created'`, [queue, key]);
    return rows.length > 0;
  }
}
