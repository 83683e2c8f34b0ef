// Storage of outbound webhooks: subscriptions (secret sealed), deliveries (one per event and
// subscription, body frozen at dispatch), their attempt log, and the dispatch cursor.
import type pg from 'pg';
import { withTransaction } from '../db/transaction';
import type { Delivery, Webhook } from './schema';

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Subscriptions of one key, or every key's (null: an admin). */
export type Owner = string | null;

export interface NewSubscription {
  keyId: string;
  url: string;
  events: string[];
  tickers: string[];
  secretSealed: string;
}

/** What an attempt needs: the delivery's state and its subscription's target. */
export interface PendingDelivery {
  id: string;
  status: Delivery['status'];
  attempts: number;
  body: string;
  url: string;
  secretSealed: string;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  /** The delivery afterwards: delivered, dead, or pending until `nextAttemptAt`. */
  status: Delivery['status'];
  nextAttemptAt: Date | null;
}

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const SUBSCRIPTION_COLUMNS = `id, url, events, tickers, key_id AS "keyId", ${iso('created_at')} AS "createdAt"`;

export class WebhookRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** The new subscription, or null when the key already has one for this URL. */
  async create(subscription: NewSubscription): Promise<Webhook | null> {
    const { rows } = await this.pool.query<Webhook>(
      `INSERT INTO webhook_subscriptions (id, key_id, url, events, tickers, secret_sealed)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5)
       ON CONFLICT (key_id, url) DO NOTHING
       RETURNING ${SUBSCRIPTION_COLUMNS}`,
      [subscription.keyId, subscription.url, subscription.events, subscription.tickers, subscription.secretSealed],
    );
    return rows[0] ?? null;
  }

  async countForKey(keyId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_subscriptions WHERE key_id = $1', [keyId]);
    return rows[0]!.n;
  }

  async idForUrl(keyId: string, url: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM webhook_subscriptions WHERE key_id = $1 AND url = $2', [keyId, url]);
    return rows[0]?.id ?? null;
  }

  /** Newest first. */
  async list(owner: Owner): Promise<Webhook[]> {
    const { rows } = await this.pool.query<Webhook>(
      `SELECT ${SUBSCRIPTION_COLUMNS}
       FROM webhook_subscriptions WHERE $1::uuid IS NULL OR key_id = $1
       ORDER BY created_at DESC, id DESC`,
      [owner],
    );
    return rows;
  }

  async exists(id: string, owner: Owner): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM webhook_subscriptions WHERE id = $1 AND ($2::uuid IS NULL OR key_id = $2)', [id, owner]);
    return rowCount === 1;
  }

  /** Deletes the subscription with its deliveries (their pending jobs then find nothing to do). */
  async delete(id: string, owner: Owner): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM webhook_subscriptions WHERE id = $1 AND ($2::uuid IS NULL OR key_id = $2)', [id, owner]);
    return rowCount === 1;
  }

  /** The newest deliveries of a subscription, each with its attempts in order. */
  async deliveries(subscriptionId: string, limit: number): Promise<Delivery[]> {
    const { rows } = await this.pool.query<Delivery>(
      `SELECT d.id, d.event_id::text AS "eventId", d.event_name AS event, d.status,
              ${iso('d.next_attempt_at')} AS "nextAttemptAt", ${iso('d.created_at')} AS "createdAt", ${iso('d.finished_at')} AS "finishedAt",
              coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'startedAt', ${iso('a.started_at')}, 'durationMs', a.duration_ms,
                                                          'statusCode', a.status_code, 'error', a.error) ORDER BY a.attempt)
                        FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS attempts
       FROM webhook_deliveries d
       WHERE d.subscription_id = $1
       ORDER BY d.created_at DESC, d.event_id DESC
       LIMIT $2`,
      [subscriptionId, limit],
    );
    return rows;
  }

  /**
   * Turns the next page of feed events after the cursor into deliveries for the subscriptions they
   * match (name, ticker, created after the subscription, its key still valid), hands the new deliveries' ids to
   * `enqueue` on the same transaction, and advances the cursor past the page: all or nothing, one
   * dispatcher at a time (the cursor row is locked). Returns how many events the page held.
   */
  async dispatchPage(pageSize: number, enqueue: (tx: Queryable, deliveryIds: string[]) => Promise<void>): Promise<number> {
    return withTransaction(this.pool, async (tx) => {
      const { rows: cursor } = await tx.query<{ last: string }>('SELECT last_event_id::text AS last FROM webhook_dispatch_cursor WHERE id = 1 FOR UPDATE');
      const after = cursor[0]?.last ?? '0';
      const { rows: page } = await tx.query<{ last: string | null; n: number }>(
        `SELECT max(id)::text AS last, count(*)::int AS n FROM (SELECT id FROM events WHERE id > $1 ORDER BY id LIMIT $2) page`,
        [after, pageSize],
      );
      const { last, n } = page[0]!;
      if (last === null) return 0;
      const { rows: created } = await tx.query<{ id: string }>(
        `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_name, body)
         SELECT gen_random_uuid(), s.id, e.id, e.name,
                json_build_object('type', e.name, 'timestamp', ${iso('e.created_at')},
                                  'data', jsonb_build_object('eventId', e.id::text, 'ticker', e.ticker, 'timeframe', e.timeframe) || e.payload)::text
         FROM events e
         JOIN webhook_subscriptions s
           ON e.name = ANY(s.events) AND (cardinality(s.tickers) = 0 OR e.ticker = ANY(s.tickers)) AND s.created_at <= e.created_at
         -- A revoked or expired key's subscriptions receive nothing more.
         JOIN api_keys k ON k.id = s.key_id AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
         WHERE e.id > $1 AND e.id <= $2
         ORDER BY e.id
         ON CONFLICT (subscription_id, event_id) DO NOTHING
         RETURNING id`,
        [after, last],
      );
      if (created.length > 0)
        await enqueue(
          tx,
          created.map((r) => r.id),
        );
      await tx.query(
        `INSERT INTO webhook_dispatch_cursor (id, last_event_id) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET last_event_id = EXCLUDED.last_event_id`,
        [last],
      );
      return n;
    });
  }

  /** Deletes deliveries (with their attempts) that ended before `before`; returns how many. */
  async pruneFinished(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM webhook_deliveries WHERE finished_at < $1', [before]);
    return rowCount ?? 0;
  }

  async pending(deliveryId: string): Promise<PendingDelivery | null> {
    const { rows } = await this.pool.query<PendingDelivery>(
      `SELECT d.id, d.status, d.attempts, d.body, s.url, s.secret_sealed AS "secretSealed"
       FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
       WHERE d.id = $1`,
      [deliveryId],
    );
    return rows[0] ?? null;
  }

  /**
   * Logs attempt `record.attempt` and moves the delivery on, in one transaction with `enqueueNext`
   * (the next attempt's job) when it stays pending. False when that attempt was already recorded
   * (a job run twice after a crash), in which case nothing changes.
   */
  async recordAttempt(deliveryId: string, record: AttemptRecord, enqueueNext: (tx: Queryable) => Promise<void>): Promise<boolean> {
    return withTransaction(this.pool, async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE webhook_deliveries
         SET attempts = $2, status = $3, next_attempt_at = $4, finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
         WHERE id = $1 AND status = 'pending' AND attempts = $2 - 1`,
        [deliveryId, record.attempt, record.status, record.nextAttemptAt],
      );
      if (rowCount !== 1) return false;
      await tx.query(`INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error) VALUES ($1, $2, $3, $4, $5, $6)`, [
        deliveryId,
        record.attempt,
        record.startedAt,
        record.durationMs,
        record.statusCode,
        record.error,
      ]);
      if (record.status === 'pending') await enqueueNext(tx);
      return true;
    });
  }
}
