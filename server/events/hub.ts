// One per process: follows the change feed and fans events out to in-process subscribers (SSE
// clients, the SPA's subscriptions, webhook dispatch). It LISTENs on the feed's channel. A
// notification carrying events that follow straight on from the last id it delivered is delivered
// as is (no read: the latency of a bare NOTIFY); any other (a gap, a large batch sent as an id only,
// a read still running) makes it read the rows after that id, so a notification lost while the
// listener was down costs nothing: the next one (or the reconnect) catches up from the table.
import type pg from 'pg';
import { listen, type NotificationListener } from '../db/notifications';
import { logger } from '../logger';
import { EVENTS_CHANNEL, type EventRepository } from './repository';
import { matchesFilter, type EventFilter, type FeedEvent } from './schema';

type Handler = (event: FeedEvent) => void;

interface Subscription {
  filter: EventFilter;
  handler: Handler;
}

const PAGE = 1000;

export class EventHub {
  private readonly subscriptions = new Set<Subscription>();
  private listener: NotificationListener | null = null;
  /** The newest id delivered to subscribers. */
  private cursor = '0';
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;

  constructor(
    private readonly repository: EventRepository,
    private readonly connection: pg.ClientConfig,
  ) {}

  /** Starts following the feed from its current end; resolves once LISTEN is in force. */
  async start(): Promise<void> {
    if (this.listener) return;
    this.cursor = await this.repository.latestId();
    this.listener = listen(this.connection, EVENTS_CHANNEL, {
      onNotify: (payload) => this.onNotify(payload),
      // Back from an outage: whatever was appended meanwhile is in the table.
      onLiveChange: (live) => live && void this.pump(),
    });
    await this.listener.ready;
  }

  async stop(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    await listener?.close();
    await this.pumping;
  }

  get live(): boolean {
    return this.listener?.live ?? false;
  }

  /** Live events matching `filter` from now on. Returns the unsubscribe function. */
  subscribe(filter: EventFilter, handler: Handler): () => void {
    const subscription = { filter, handler };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  /**
   * Every event after `afterId` matching `filter`, then live ones, each exactly once and in id order:
   * live events are held back while the stored ones are replayed, then released past what the replay
   * delivered. Returns the unsubscribe function.
   */
  async subscribeFrom(afterId: string, filter: EventFilter, handler: Handler): Promise<() => void> {
    const held: FeedEvent[] = [];
    let replaying = true;
    let last = BigInt(afterId);
    const deliver = (event: FeedEvent) => {
      if (BigInt(event.id) <= last) return;
      last = BigInt(event.id);
      handler(event);
    };
    const unsubscribe = this.subscribe(filter, (event) => (replaying ? held.push(event) : deliver(event)));
    try {
      for (;;) {
        const page = await this.repository.after(last.toString(), filter, PAGE);
        page.forEach(deliver);
        if (page.length < PAGE) break;
      }
    } catch (error) {
      unsubscribe();
      throw error;
    }
    replaying = false;
    held.forEach(deliver);
    return unsubscribe;
  }

  private onNotify(payload: string): void {
    const events = payload.startsWith('[') ? (JSON.parse(payload) as FeedEvent[]) : null;
    if (this.pumping || !events || events.length === 0 || BigInt(events[0]!.id) !== BigInt(this.cursor) + 1n) {
      void this.pump();
      return;
    }
    for (const event of events) {
      this.cursor = event.id;
      this.dispatch({ ...event, createdAt: new Date(event.createdAt).toISOString() });
    }
  }

  /** Reads and delivers everything after the cursor; one pass at a time, re-run if asked meanwhile. */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        try {
          for (;;) {
            const page = await this.repository.after(this.cursor, {}, PAGE);
            for (const event of page) {
              this.cursor = event.id;
              this.dispatch(event);
            }
            if (page.length < PAGE) break;
          }
        } catch (error) {
          // The next notification or the listener's reconnect retries from the same cursor.
          logger.warn({ err: error }, 'event hub could not read the feed');
        }
      } while (this.pumpAgain);
    })().finally(() => {
      this.pumping = null;
    });
    return this.pumping;
  }

  private dispatch(event: FeedEvent): void {
    for (const { filter, handler } of this.subscriptions) {
      if (!matchesFilter(event, filter)) continue;
      try {
        handler(event);
      } catch (error) {
        logger.error({ err: error, eventId: event.id }, 'event subscriber failed');
      }
    }
  }
}
