// The change feed's concepts: what an event is (SSE streams, webhooks and the SPA carry it as is).

/** What changed. `name` is `<topic>.<what happened>` (bar.upserted, prediction.resolved, order.filled...). */
// The same list is the events_topic_known CHECK in the database.
type EventTopic = 'bar' | 'prediction' | 'order' | 'job' | 'ingestion' | 'model';

/** An event as published: small — the keys of what changed and a summary; readers fetch the rest. */
export interface NewEvent {
  topic: EventTopic;
  name: `${EventTopic}.${string}`;
  ticker?: string | null;
  timeframe?: string | null;
  payload: Record<string, unknown>;
}

/** An event as stored. `id` increases in commit order (a decimal string: the column is bigint). */
export interface FeedEvent {
  id: string;
  topic: EventTopic;
  name: string;
  ticker: string | null;
  timeframe: string | null;
  payload: Record<string, unknown>;
  /** ISO-8601 UTC. */
  createdAt: string;
}

/** Which events a reader wants; an absent list means all of that dimension. */
export interface EventFilter {
  topics?: readonly EventTopic[];
  tickers?: readonly string[];
}

export function matchesFilter(event: Pick<FeedEvent, 'topic' | 'ticker'>, filter: EventFilter): boolean {
  if (filter.topics && !filter.topics.includes(event.topic)) return false;
  if (filter.tickers && (event.ticker === null || !filter.tickers.includes(event.ticker))) return false;
  return true;
}
