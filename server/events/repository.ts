// Storage of the change feed. Appending is the last statement of the writer's transaction: it takes
// a transaction-level advisory lock (held until COMMIT), inserts, and NOTIFYs the newest id. The lock
// makes id assignment follow commit order: an append waits until the previous appender committed, so
// a reader that has seen id N can never later find a committed id below N — "after N" is exact.
// NOTIFY is delivered at commit, in commit order; it carries the events themselves when they are
// small, so a listener that has delivered everything before them needs no read of the table.
import type pg from 'pg';
import { withTransaction } from '../db/transaction';
import type { EventFilter, FeedEvent, NewEvent } from './schema';

/**
 * The channel every instance's hub listens on. The payload is the transaction's events as a JSON
 * array when they fit (the hub then delivers them without reading the table), else its newest id.
 */
export const EVENTS_CHANNEL = 'qb_events';

/** PostgreSQL caps a NOTIFY payload at 8000 bytes. */
const NOTIFY_EVENTS_MAX_BYTES = 7900;

/**
 * Advisory lock serialising appends, two-int form: this module's namespace ("QEVT"), then the lock.
 * Every appender takes it, the pg-boss state trigger too (server/jobs/job-events.ts).
 */
export const APPEND_LOCK = [0x5145_5654, 1] as const;

type Queryable = Pick<pg.ClientBase, 'query'>;

interface EventRow {
  id: string;
  topic: FeedEvent['topic'];
  name: string;
  ticker: string | null;
  timeframe: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

const toFeedEvent = (row: EventRow): FeedEvent => ({ ...row, createdAt: row.createdAt.toISOString() });

/**
 * Appends `events` inside the caller's open transaction on `tx`, as its LAST statement (the lock is
 * held until COMMIT: anything after it delays every other writer). Returns their ids, in order.
 * A function too, for repositories that write their own rows and their events in one transaction.
 */
export async function appendEventsInTransaction(tx: Queryable, events: readonly NewEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [...APPEND_LOCK]);
  const { rows } = await tx.query<{ ids: string[] }>(
    `WITH inserted AS (
       INSERT INTO events (topic, name, ticker, timeframe, payload)
       SELECT e.value->>'topic', e.value->>'name', e.value->>'ticker', e.value->>'timeframe', e.value->'payload'
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, n)
       ORDER BY e.n
       RETURNING id, topic, name, ticker, timeframe, payload, created_at
     ), batch AS (
       SELECT array_agg(id::text ORDER BY id) AS ids, max(id)::text AS last,
              json_agg(json_build_object('id', id::text, 'topic', topic, 'name', name, 'ticker', ticker, 'timeframe', timeframe,
                                         'payload', payload, 'createdAt', created_at) ORDER BY id)::text AS events
       FROM inserted
     )
     SELECT ids, pg_notify('${EVENTS_CHANNEL}', CASE WHEN octet_length(events) <= ${NOTIFY_EVENTS_MAX_BYTES} THEN events ELSE last END) FROM batch`,
    [JSON.stringify(events.map((e) => ({ topic: e.topic, name: e.name, ticker: e.ticker ?? null, timeframe: e.timeframe ?? null, payload: e.payload })))],
  );
  return rows[0]!.ids;
}

export class EventRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** See appendEventsInTransaction: the LAST statement of the caller's transaction. */
  appendInTransaction(tx: Queryable, events: readonly NewEvent[]): Promise<string[]> {
    return appendEventsInTransaction(tx, events);
  }

  /** Appends in a transaction of its own (a write that is nothing but the event). */
  append(events: readonly NewEvent[]): Promise<string[]> {
    return withTransaction(this.pool, (tx) => this.appendInTransaction(tx, events));
  }

  /** Events with id > `afterId`, oldest first, at most `limit`. */
  async after(afterId: string, filter: EventFilter = {}, limit = 1000): Promise<FeedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT e.id::text AS id, e.topic, e.name, e.ticker, e.timeframe, e.payload, e.created_at AS "createdAt"
       FROM events e
       WHERE e.id > $1::bigint
         AND ($2::text[] IS NULL OR e.topic = ANY($2))
         AND ($3::text[] IS NULL OR e.ticker = ANY($3))
       ORDER BY e.id LIMIT $4`,
      [afterId, filter.topics ?? null, filter.tickers ?? null, limit],
    );
    return rows.map(toFeedEvent);
  }

  /** The newest committed id ('0' when the feed is empty). */
  async latestId(): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM events');
    return rows[0]!.id;
  }

  /** The oldest id still kept ('0' when the feed is empty): a resume from before it has lost events. */
  async oldestId(): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT coalesce(min(id), 0)::text AS id FROM events');
    return rows[0]!.id;
  }

  /**
   * Deletes events older than `before`, as a prefix of the feed (every id up to the newest old
   * one), so "an id below the oldest kept one was pruned" holds even for a long transaction's event
   * stamped earlier than its neighbours. Returns how many.
   */
  async prune(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM events WHERE id <= (SELECT max(id) FROM events WHERE created_at < $1)', [before]);
    return rowCount ?? 0;
  }
}
