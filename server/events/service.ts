// The change feed as the rest of the server uses it: this process's hub (SSE streams and the SPA's
// subscriptions subscribe here) and the feed's rules: how long events are kept, and what a reader
// resuming from an id that fell out of that window gets (a reset, never a silent gap).
import type { EventHub } from './hub';
import type { EventRepository } from './repository';
import type { EventFilter, FeedEvent } from './schema';

export interface EventFeedSettings {
  /** Events older than this are pruned; a resume from before the oldest kept event is a reset. */
  retentionHours: number;
}

export type Resumed = { kind: 'resumed'; unsubscribe: () => void } | { kind: 'reset'; unsubscribe: () => void; latestId: string };

export class EventFeed {
  private stopping = new AbortController();

  constructor(
    readonly hub: EventHub,
    private readonly repository: EventRepository,
    private readonly settings: EventFeedSettings,
  ) {}

  start(): Promise<void> {
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    return this.hub.start();
  }

  /** Ends every stream (they listen on `stopped`), then the hub: open streams must not hold up a shutdown. */
  stop(): Promise<void> {
    this.stopping.abort();
    return this.hub.stop();
  }

  /** Aborted when the feed stops: a stream ends itself then. */
  get stopped(): AbortSignal {
    return this.stopping.signal;
  }

  /**
   * Live events matching `filter`. With `lastEventId`, first every stored event after it, each
   * exactly once: unless events after it were pruned (the id is below the oldest kept one minus one,
   * or ahead of the feed: a reader from another database), then the reader is told to start over
   * (`reset`, with the current end of the feed) and gets live events from now on.
   */
  async subscribe(filter: EventFilter, handler: (event: FeedEvent) => void, lastEventId?: string): Promise<Resumed> {
    if (lastEventId === undefined) return { kind: 'resumed', unsubscribe: this.hub.subscribe(filter, handler) };
    const [oldest, latest] = await Promise.all([this.repository.oldestId(), this.repository.latestId()]);
    const from = BigInt(lastEventId);
    const lost = (oldest !== '0' && from < BigInt(oldest) - 1n) || from > BigInt(latest);
    if (lost) return { kind: 'reset', latestId: latest, unsubscribe: await this.hub.subscribeFrom(latest, filter, handler) };
    return { kind: 'resumed', unsubscribe: await this.hub.subscribeFrom(lastEventId, filter, handler) };
  }

  /** Deletes what is older than the retention window; returns how many. */
  prune(now = new Date()): Promise<number> {
    return this.repository.prune(new Date(now.getTime() - this.settings.retentionHours * 3_600_000));
  }
}
