// GET /api/stream?channels=bars:SPY:1m,predictions:SPY,orders — the change feed as Server-Sent
// Events for bots, with the API's keys and scopes. Each event is `id: <feed id>`, `event: bar |
// prediction | order | job | model`, `data: {"name","ticker","timeframe","createdAt","payload"}`.
// A reconnect with `Last-Event-ID` (or `?lastEventId=`) replays what it missed from the events
// table, exactly once; if that id is older than the retention window the stream starts with
// `event: reset` (the reader refetches, then follows on). Heartbeat comments keep proxies from
// cutting an idle stream. A client that stops reading is cut off (it resumes with Last-Event-ID).
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { hasScope } from '../auth/principal';
import type { AppConfig } from '../config';
import { channelsFilter, eventType, matchesChannels, parseChannels } from '../events/channels';
import { toHttpError } from '../errors';
import type { FeedEvent } from '../events/schema';
import type { FieldIssue } from '../shared/domain-error';
import type { Services } from '../services';
import { accessError } from '../trpc';
import type { AuthenticatedRequest } from './authenticate';

export type StreamLimits = Pick<AppConfig, 'STREAM_MAX_CHANNELS' | 'STREAM_MAX_CONNECTIONS_PER_KEY' | 'STREAM_HEARTBEAT_SECONDS'>;

/** Output buffered for a client beyond this means it is not reading: end its stream. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** How long an EventSource waits before reconnecting. */
const RETRY_MS = 2000;

function refuse(res: Response, status: number, error: string, details?: FieldIssue[]): void {
  res.status(status).json({ success: false, error, ...(details ? { details } : {}) });
}

/** A 401/403 as every other route answers it (server/trpc.ts accessError, server/errors.ts). */
function refuseWith(res: Response, error: unknown): void {
  const { status, body } = toHttpError(error);
  res.status(status).json(body);
}

function lastEventIdOf(req: Request): string | undefined | null {
  const header = req.headers['last-event-id'];
  const query = req.query.lastEventId;
  const value = typeof header === 'string' && header !== '' ? header : typeof query === 'string' && query !== '' ? query : undefined;
  if (value === undefined) return undefined;
  return /^\d{1,18}$/.test(value) ? value : null;
}

/** Frames already made: the hub hands the same event object to every stream, so it is encoded once. */
const frames = new WeakMap<FeedEvent, string>();

function frame(event: FeedEvent): string {
  let text = frames.get(event);
  if (text === undefined) {
    text = `id: ${event.id}\nevent: ${eventType(event.topic)}\ndata: ${JSON.stringify({ name: event.name, ticker: event.ticker, timeframe: event.timeframe, createdAt: event.createdAt, payload: event.payload })}\n\n`;
    frames.set(event, text);
  }
  return text;
}

export function eventStreamRoute(services: Pick<Services, 'events'>, limits: StreamLimits): Router {
  /** Open streams on this instance per key (a session counts as its key). */
  const open = new Map<string, number>();

  const stream: RequestHandler = async (req, res) => {
    const { principal, authError } = req as AuthenticatedRequest;
    const anonymous = accessError(principal ?? null, authError ?? null, null);
    if (anonymous || !principal) return refuseWith(res, anonymous);
    const parsed = parseChannels(typeof req.query.channels === 'string' ? req.query.channels : '', limits.STREAM_MAX_CHANNELS);
    if ('issues' in parsed) return refuse(res, 400, 'Invalid channels', parsed.issues);
    const { channels } = parsed;
    const missing = channels.find((c) => !hasScope(principal, c.scope));
    if (missing) return refuseWith(res, accessError(principal, null, missing.scope));
    const lastEventId = lastEventIdOf(req);
    if (lastEventId === null) return refuse(res, 400, 'Invalid Last-Event-ID', [{ path: 'lastEventId', message: 'must be an event id (digits)' }]);
    const count = open.get(principal.keyId) ?? 0;
    if (count >= limits.STREAM_MAX_CONNECTIONS_PER_KEY) {
      res.setHeader('Retry-After', '5');
      return refuse(res, 429, `At most ${limits.STREAM_MAX_CONNECTIONS_PER_KEY} open streams per key`);
    }
    open.set(principal.keyId, count + 1);

    let ended = false;
    let unsubscribe = () => {};
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      services.events.stopped.removeEventListener('abort', end);
      const left = (open.get(principal.keyId) ?? 1) - 1;
      if (left > 0) open.set(principal.keyId, left);
      else open.delete(principal.keyId);
      res.end();
    };
    const write = (text: string) => {
      if (ended) return;
      res.write(text);
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        req.log.warn({ keyId: principal.keyId }, 'stream client is not reading; ending its stream');
        end();
      }
    };
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), limits.STREAM_HEARTBEAT_SECONDS * 1000);
    res.on('close', end);
    services.events.stopped.addEventListener('abort', end);

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx: pass each event on at once
    res.flushHeaders();
    write(`retry: ${RETRY_MS}\n: channels ${channels.map((c) => c.name).join(',')}\n\n`);
    try {
      const reader = {
        onEvent: (event: FeedEvent) => matchesChannels(event, channels) && write(frame(event)),
        onReset: (latestId: string) =>
          write(`id: ${latestId}\nevent: reset\ndata: ${JSON.stringify({ latestId, reason: 'Last-Event-ID is older than the events kept' })}\n\n`),
      };
      unsubscribe = await services.events.subscribe(channelsFilter(channels), reader, lastEventId);
      if (ended) unsubscribe();
    } catch (error) {
      req.log.warn({ err: error }, 'stream could not subscribe');
      end();
    }
  };
  return Router().get('/api/stream', stream);
}

/** GET /api/stream in the OpenAPI document (served beside the REST adapter, which cannot stream). */
export function eventStreamOperation(): Record<string, unknown> {
  const error = {
    description: '`{ success: false, error, details? }`',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/error.BAD_REQUEST' } } },
  };
  return {
    get: {
      operationId: 'events-stream',
      summary: 'Live events (Server-Sent Events): bars, predictions, orders, job progress, model deployments, from every instance',
      description:
        'Each event: `id: <feed id>`, `event: bar|prediction|order|job|model`, `data: {"name","ticker","timeframe","createdAt","payload"}`. ' +
        'Channels: `bars:<TICKER>[:<tf>]` (market:read), `predictions[:<TICKER>]` (predictions:read), `orders[:<TICKER>]` (trading:read), ' +
        '`jobs` (market:read), `models` (predictions:read). Reconnect with `Last-Event-ID` to receive exactly what you missed within the ' +
        'retention window (EVENTS_RETENTION_HOURS, default 24 h); older, the stream opens with `event: reset`. Heartbeat comments every ' +
        'STREAM_HEARTBEAT_SECONDS; at most STREAM_MAX_CHANNELS channels and STREAM_MAX_CONNECTIONS_PER_KEY streams per key (429). See the README, "Live stream".',
      tags: ['events'],
      security: [{ apiKey: [] }],
      parameters: [
        {
          in: 'query',
          name: 'channels',
          required: true,
          description: 'Comma-separated, e.g. `bars:SPY:1m,predictions:SPY,orders`',
          schema: { type: 'string' },
        },
        { in: 'header', name: 'Last-Event-ID', required: false, description: 'Resume after this event id', schema: { type: 'string', pattern: '^\\d+$' } },
        {
          in: 'query',
          name: 'lastEventId',
          required: false,
          description: 'The same, for clients that cannot set headers',
          schema: { type: 'string', pattern: '^\\d+$' },
        },
      ],
      responses: {
        200: { description: 'An endless event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        400: error,
        401: error,
        403: error,
        429: error,
      },
    },
  };
}
