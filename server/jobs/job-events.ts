// Job state changes in the change feed. pg-boss changes a job's state in its own statements (fetch,
// complete, fail, retry), so a trigger on its job table appends the event in the same transaction:
// `job.created`, `job.active`, `job.completed`, `job.retry`, `job.failed`, `job.cancelled`, with the
// queue, the job id and pg-boss's retry count, seen by every instance at the job's commit. It takes the
// feed's append lock like every other writer (server/events/repository.ts), so ids stay in commit
// order, and notifies the new id (the hub then reads the row).
import type pg from 'pg';
import { APPEND_LOCK, EVENTS_CHANNEL } from '../events/repository';

/** Installs (or replaces) the trigger; pg-boss's schema must exist. Idempotent. */
export async function installJobEvents(client: Pick<pg.ClientBase, 'query'>): Promise<void> {
  // The feed lives in our schema, whatever search_path pg-boss's statements run with.
  const { rows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
  const events = `${quoteIdent(rows[0]!.schema)}.events`;
  await client.query(`
    CREATE OR REPLACE FUNCTION pgboss.quantbase_job_event() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE appended bigint;
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.state = OLD.state THEN
        RETURN NULL;
      END IF;
      PERFORM pg_advisory_xact_lock(${APPEND_LOCK[0]}, ${APPEND_LOCK[1]});
      INSERT INTO ${events} (topic, name, payload)
      VALUES ('job', 'job.' || NEW.state::text,
              jsonb_build_object('queue', NEW.name, 'id', NEW.id, 'state', NEW.state::text, 'retryCount', NEW.retry_count))
      RETURNING id INTO appended;
      PERFORM pg_notify('${EVENTS_CHANNEL}', appended::text);
      RETURN NULL;
    END $$`);
  // Created once (no DROP: that would lock the job table against every instance's workers).
  await client.query(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'quantbase_job_event' AND tgrelid = 'pgboss.job'::regclass) THEN
        CREATE TRIGGER quantbase_job_event AFTER INSERT OR UPDATE OF state ON pgboss.job
          FOR EACH ROW EXECUTE FUNCTION pgboss.quantbase_job_event();
      END IF;
    END $$`);
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
