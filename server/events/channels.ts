// What a stream reader asks for, as the bots write it: `bars:SPY:1m`, `bars:SPY` (every timeframe),
// `predictions:SPY` or `predictions`, `orders` or `orders:SPY`, `jobs` (job and ingestion progress),
// `models`. Each channel needs the scope that reads the same data through the REST API.
import { TickerSchema, TIMEFRAMES } from '../market-data/schema';
import type { FieldIssue } from '../shared/domain-error';
import type { EventFilter, FeedEvent } from './schema';

type Topic = FeedEvent['topic'];

export interface Channel {
  /** As the client wrote it (normalised: ticker upper-case). */
  name: string;
  topics: readonly Topic[];
  ticker?: string;
  timeframe?: string;
  scope: string;
}

const KINDS: Record<string, { topics: readonly Topic[]; scope: string; ticker: 'required' | 'optional' | 'none'; timeframe: boolean }> = {
  bars: { topics: ['bar'], scope: 'market:read', ticker: 'required', timeframe: true },
  predictions: { topics: ['prediction'], scope: 'predictions:read', ticker: 'optional', timeframe: false },
  orders: { topics: ['order'], scope: 'trading:read', ticker: 'optional', timeframe: false },
  jobs: { topics: ['job', 'ingestion'], scope: 'market:read', ticker: 'none', timeframe: false },
  models: { topics: ['model'], scope: 'predictions:read', ticker: 'none', timeframe: false },
};

/** The SSE `event:` type of a topic: job and ingestion progress are both `job`. */
export const eventType = (topic: Topic): string => (topic === 'ingestion' ? 'job' : topic);

function parseChannel(text: string): Channel | string {
  const [kind = '', ticker, timeframe, ...rest] = text.split(':');
  const rule = KINDS[kind];
  if (!rule) return `unknown channel "${kind}": use ${Object.keys(KINDS).join(', ')}`;
  if (rest.length > 0 || (timeframe !== undefined && !rule.timeframe) || (ticker !== undefined && rule.ticker === 'none')) return `"${text}" has too many parts`;
  if (ticker === undefined && rule.ticker === 'required') return `"${kind}" needs a ticker, e.g. ${kind}:SPY:1m`;
  const parsedTicker = ticker === undefined ? undefined : TickerSchema.safeParse(ticker);
  if (parsedTicker && !parsedTicker.success) return `"${text}": ${parsedTicker.error.issues[0]!.message}`;
  if (timeframe !== undefined && !(TIMEFRAMES as readonly string[]).includes(timeframe)) return `"${text}": timeframe must be one of ${TIMEFRAMES.join(', ')}`;
  const normalised = parsedTicker?.data;
  return { name: [kind, normalised, timeframe].filter(Boolean).join(':'), topics: rule.topics, ticker: normalised, timeframe, scope: rule.scope };
}

/** Parses a comma-separated list; duplicates collapse. Issues name the `channels` field. */
export function parseChannels(text: string, max: number): { channels: Channel[] } | { issues: FieldIssue[] } {
  const parts = [...new Set(text.split(',').map((c) => c.trim()).filter(Boolean))];
  if (parts.length === 0) return { issues: [{ path: 'channels', message: 'name at least one channel, e.g. bars:SPY:1m,predictions:SPY,orders' }] };
  if (parts.length > max) return { issues: [{ path: 'channels', message: `at most ${max} channels per stream (got ${parts.length})` }] };
  const parsed = parts.map(parseChannel);
  const issues = parsed.filter((p): p is string => typeof p === 'string').map((message) => ({ path: 'channels', message }));
  return issues.length > 0 ? { issues } : { channels: parsed as Channel[] };
}

/** A filter the hub and the table can apply (topics, and tickers when every channel names one); `matchesChannels` finishes the job. */
export function channelsFilter(channels: readonly Channel[]): EventFilter {
  const topics = [...new Set(channels.flatMap((c) => c.topics))];
  const tickers = channels.every((c) => c.ticker) ? [...new Set(channels.map((c) => c.ticker!))] : undefined;
  return { topics, tickers };
}

export function matchesChannels(event: FeedEvent, channels: readonly Channel[]): boolean {
  return channels.some(
    (c) => c.topics.includes(event.topic) && (!c.ticker || c.ticker === event.ticker) && (!c.timeframe || c.timeframe === event.timeframe),
  );
}
