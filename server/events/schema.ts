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

/**
 * `bar.upserted`: one per series per write, for the bars that write inserted or changed. `timestamp`
 * and the prices are the series' newest written bar (what a chart needs to move its last candle);
 * `earliest` and `count` say how much else changed (a chart refetches when `earliest` is older than
 * its last candle). Times ISO-8601 UTC.
 */
export interface BarUpsertedPayload {
  timestamp: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  earliest: string;
  count: number;
}

export function barUpserted(ticker: string, timeframe: string, payload: BarUpsertedPayload): NewEvent {
  return { topic: 'bar', name: 'bar.upserted', ticker, timeframe, payload: { ...payload } };
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
