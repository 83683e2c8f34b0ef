// Outbound webhooks: bots subscribe to feed events; a dispatch job turns new feed events into
// deliveries (durably: server/webhooks/repository.ts dispatchPage), and each delivery attempt is a
// job of its own, signed with the Standard Webhooks scheme and retried with exponential backoff
// until a 2xx or the last attempt. Nothing here runs inside the request that caused the event.
import type pg from 'pg';
import { listen, type NotificationListener } from '../db/notifications';
import { EVENTS_CHANNEL } from '../events/repository';
import { logger } from '../logger';
import { DomainError } from '../shared/domain-error';
import type { SecretBox } from '../shared/secret-box';
import { newWebhookSecret, signWebhook } from '../shared/webhook-signature';
import { postWebhook, type PostOutcome } from './post';
import type { Owner, PendingDelivery, WebhookRepository } from './repository';
import { MAX_SUBSCRIPTIONS_PER_KEY, type CreateWebhookInput, type DeliveriesQuery, type Delivery, type Webhook } from './schema';
import type { TargetGuard } from './target-guard';

type Queryable = Pick<pg.ClientBase, 'query'>;

/** A delivery job: attempt `attempt` of delivery `deliveryId`. */
export interface DeliveryJob {
  deliveryId: string;
  attempt: number;
}

export interface WebhookSettings {
  maxAttempts: number;
  /** Before the first retry; doubled at each further one. */
  retryDelayMs: number;
  timeoutMs: number;
}

export function webhookSettingsFromConfig(config: {
  WEBHOOK_MAX_ATTEMPTS: number;
  WEBHOOK_RETRY_DELAY_SECONDS: number;
  WEBHOOK_TIMEOUT_SECONDS: number;
}): WebhookSettings {
  return {
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    retryDelayMs: config.WEBHOOK_RETRY_DELAY_SECONDS * 1000,
    timeoutMs: config.WEBHOOK_TIMEOUT_SECONDS * 1000,
  };
}

interface WebhookDeps {
  repository: WebhookRepository;
  /** Opened on first use: only servers that hold webhooks need the secrets key. */
  secretBox: () => SecretBox;
  guard: TargetGuard;
  settings: WebhookSettings;
  /** Enqueues a delivery job inside `tx`, to start no earlier than `startAfter`. */
  enqueueDelivery: (tx: Queryable, job: DeliveryJob, startAfter?: Date) => Promise<void>;
}

/** Events read per dispatch transaction. */
const DISPATCH_PAGE = 500;
/** Delivered and dead deliveries are kept this long in the log, then pruned by the dispatch job. */
export const DELIVERY_LOG_DAYS = 30;
const PRUNE_EVERY_MS = 3600_000;

export class WebhookService {
  private feedListener: NotificationListener | null = null;
  private lastPrunedAt = 0;

  constructor(private readonly deps: WebhookDeps) {}

  /**
   * Calls `requestDispatch` whenever the change feed grows (its NOTIFY) and when the listener comes
   * back from an outage, so deliveries start within moments of the event's commit. Resolves once live.
   */
  async followFeed(connection: pg.ClientConfig, requestDispatch: () => Promise<unknown>): Promise<void> {
    // A busy feed notifies per commit: while one request is on its way, more add nothing (the job
    // it queues has not run yet, so it reads those events too; the minute schedule covers the rare
    // notification that lands just as that job starts).
    let requesting = false;
    const request = () => {
      if (requesting) return;
      requesting = true;
      requestDispatch()
        .catch((error: unknown) => logger.warn({ err: error }, 'could not queue a webhook dispatch'))
        .finally(() => (requesting = false));
    };
    this.feedListener ??= listen(connection, EVENTS_CHANNEL, { onNotify: request, onLiveChange: (live) => live && request() });
    await this.feedListener.ready;
  }

  async stopFollowingFeed(): Promise<void> {
    const listener = this.feedListener;
    this.feedListener = null;
    await listener?.close();
  }

  /** The new subscription with its secret: the only time the secret leaves the server. */
  async create(keyId: string, input: CreateWebhookInput): Promise<Webhook & { secret: string }> {
    const refusal = await this.deps.guard.refusal(input.url);
    if (refusal) throw DomainError.invalid(`url ${refusal}`, [{ path: 'url', message: refusal }]);
    if ((await this.deps.repository.countForKey(keyId)) >= MAX_SUBSCRIPTIONS_PER_KEY) {
      throw new DomainError('unprocessable', `A key may hold at most ${MAX_SUBSCRIPTIONS_PER_KEY} webhook subscriptions; delete one first`);
    }
    const secret = newWebhookSecret();
    const created = await this.deps.repository.create({ keyId, ...input, secretSealed: this.deps.secretBox().seal(secret) });
    if (!created) {
      const existing = await this.deps.repository.idForUrl(keyId, input.url);
      throw DomainError.conflict(`This key already has webhook ${existing} for this url; delete it to subscribe again`);
    }
    return { ...created, secret };
  }

  list(owner: Owner): Promise<Webhook[]> {
    return this.deps.repository.list(owner);
  }

  async delete(id: string, owner: Owner): Promise<void> {
    if (!(await this.deps.repository.delete(id, owner))) throw DomainError.notFound(`No webhook ${id}`);
  }

  async deliveries(query: DeliveriesQuery, owner: Owner): Promise<Delivery[]> {
    if (!(await this.deps.repository.exists(query.id, owner))) throw DomainError.notFound(`No webhook ${query.id}`);
    return this.deps.repository.deliveries(query.id, query.limit);
  }

  /**
   * Turns every feed event not yet dispatched into deliveries and their jobs. Returns the events
   * read. At most once an hour per process, it also prunes the log of deliveries finished over
   * DELIVERY_LOG_DAYS ago.
   */
  async dispatch(now = new Date()): Promise<number> {
    if (now.getTime() - this.lastPrunedAt >= PRUNE_EVERY_MS) {
      this.lastPrunedAt = now.getTime();
      await this.deps.repository.pruneFinished(new Date(now.getTime() - DELIVERY_LOG_DAYS * 86_400_000));
    }
    let total = 0;
    for (;;) {
      const read = await this.deps.repository.dispatchPage(DISPATCH_PAGE, async (tx, ids) => {
        for (const deliveryId of ids) await this.deps.enqueueDelivery(tx, { deliveryId, attempt: 1 });
      });
      total += read;
      if (read < DISPATCH_PAGE) return total;
    }
  }

  /**
   * One attempt. A job for an attempt already made (a rerun after a crash) or of a delivery gone
   * (subscription deleted) does nothing. The target is checked again: DNS may have moved it.
   */
  async attempt({ deliveryId, attempt }: DeliveryJob): Promise<void> {
    const delivery = await this.deps.repository.pending(deliveryId);
    if (!delivery || delivery.status !== 'pending' || delivery.attempts !== attempt - 1) return;
    const { settings } = this.deps;
    const startedAt = new Date();
    const outcome = await this.send(delivery, startedAt);
    const durationMs = Date.now() - startedAt.getTime();
    const delivered = outcome.error === null;
    const last = attempt >= settings.maxAttempts;
    // Exponential backoff: retryDelay × 2^(attempt-1) after attempt `attempt`.
    const nextAttemptAt = delivered || last ? null : new Date(Date.now() + settings.retryDelayMs * 2 ** (attempt - 1));
    await this.deps.repository.recordAttempt(
      deliveryId,
      { attempt, startedAt, durationMs, ...outcome, status: delivered ? 'delivered' : last ? 'dead' : 'pending', nextAttemptAt },
      (tx) => this.deps.enqueueDelivery(tx, { deliveryId, attempt: attempt + 1 }, nextAttemptAt ?? undefined),
    );
  }

  /** The attempt on the wire; a refused target or an unreadable secret is a failed attempt like any other. */
  private async send(delivery: PendingDelivery, at: Date): Promise<PostOutcome> {
    const refusal = await this.deps.guard.refusal(delivery.url);
    if (refusal) return { statusCode: null, error: `target refused: url ${refusal}` };
    let secret: string;
    try {
      secret = this.deps.secretBox().open(delivery.secretSealed);
    } catch {
      return { statusCode: null, error: 'the signing secret cannot be opened: was SECRETS_KEY changed?' };
    }
    return postWebhook(delivery.url, signWebhook(secret, delivery.id, at, delivery.body), delivery.body, {
      timeoutMs: this.deps.settings.timeoutMs,
      lookup: this.deps.guard.guardedLookup,
    });
  }
}
