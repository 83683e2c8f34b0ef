// The change feed as the rest of the server uses it: this process's hub (SSE streams and the SPA's
// subscriptions subscribe here) and the feed's rules: how long events are kept, and what a reader
// resuming from an id that fell out of that window gets (a reset, never a silent gap).
import { setMaxListeners } from 'node:events';
import type { EventHub } from './hub';
import type { EventRepository } from './repository';
import type { EventFilter, FeedEvent } from './schema';

export interface EventFeedSettings {
  /** Events older than this are pruned; a resume from before the oldest kept event is a reset. */
  retentionHours: number;
}

export interface FeedReader {
  onEvent(event: FeedEvent): void;
  /** The resume point was pruned: what the reader holds may be stale; events after `latestId` follow. */
  onReset(latestId: string): void;
}

export type StreamItem = { kind: 'event'; event: FeedEvent } | { kind: 'reset'; latestId: string };

/** Every open stream listens on it: no listener cap (Node warns past 10). */
function streamsSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export class EventFeed {
  private stopping = streamsSignal();

  constructor(
    readonly hub: EventHub,
    private readonly repository: EventRepository,
    private readonly settings: EventFeedSettings,
  ) {}

  start(): Promise<void> {
    if (this.stopping.signal.aborted) this.stopping = streamsSignal();
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
   * exactly once - unless events after it were pruned (it is below the oldest kept id minus one) or
   * it is ahead of the feed (an id from another database): then `onReset` comes first, and the
   * events after the current end of the feed follow. Returns the unsubscribe function.
   */
  async subscribe(filter: EventFilter, reader: FeedReader, lastEventId?: string): Promise<() => void> {
    if (lastEventId === undefined) return this.hub.subscribe(filter, (e) => reader.onEvent(e));
    const [oldest, latest] = await Promise.all([this.repository.oldestId(), this.repository.latestId()]);
    const from = BigInt(lastEventId);
    const lost = (oldest !== '0' && from < BigInt(oldest) - 1n) || from > BigInt(latest);
    if (lost) reader.onReset(latest);
    return this.hub.subscribeFrom(lost ? latest : lastEventId, filter, (e) => reader.onEvent(e));
  }

  /**
   * `subscribe` as an async iterable (tRPC subscriptions): events as they come, buffered while the
   * consumer is busy; ends when `signal` aborts or the feed stops.
   */
  async *stream(filter: EventFilter, lastEventId: string | undefined, signal: AbortSignal): AsyncGenerator<StreamItem> {
    const buffered: StreamItem[] = [];
    let wake: (() => void) | null = null;
    const push = (item: StreamItem) => {
      buffered.push(item);
      wake?.();
    };
    const stop = () => wake?.();
    const done = () => signal.aborted || this.stopped.aborted;
    signal.addEventListener('abort', stop);
    this.stopped.addEventListener('abort', stop);
    const unsubscribe = await this.subscribe(
      filter,
      { onEvent: (event) => push({ kind: 'event', event }), onReset: (latestId) => push({ kind: 'reset', latestId }) },
      lastEventId,
    );
    try {
      while (!done()) {
        const item = buffered.shift();
        if (item) yield item;
        else await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      unsubscribe();
      signal.removeEventListener('abort', stop);
      this.stopped.removeEventListener('abort', stop);
    }
  }

  /** Deletes what is older than the retention window; returns how many. */
  prune(now = new Date()): Promise<number> {
    return this.repository.prune(new Date(now.getTime() - this.settings.retentionHours * 3_600_000));
  }
}
