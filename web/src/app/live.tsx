// The SPA's live transport: ONE tRPC subscription (SSE) per tab carrying the union of the channels
// every mounted view asked for through `useLiveEvents`, each event handed to the views whose
// channels it matches. A browser allows only a few connections per origin, so views never open
// their own. When the set of channels changes, the new subscription resumes from the last event
// seen; a `reset` (the resume point fell out of the server's window) refetches every query.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { matchesChannels, parseChannels, type Channel } from '../../../server/events/channels';
import type { FeedEvent } from '../../../server/events/schema';
import type { Scope } from '../../../server/auth/schema';
import { useSession } from '../auth/session';
import { useTRPC } from '../trpc';

export type { FeedEvent };

/** `connecting`: (re)connecting; `live`: events flow; `off`: nothing asked for yet; `error`: refused or cut (retried after a pause). */
export type LiveState = 'off' | 'connecting' | 'live' | 'error';

interface Listener {
  channels: Channel[];
  onEvent: (event: FeedEvent) => void;
}

interface LiveContextValue {
  state: LiveState;
  register(channels: readonly string[], onEvent: (event: FeedEvent) => void): () => void;
}

const RETRY_AFTER_ERROR_MS = 5_000;

const LiveContext = createContext<LiveContextValue>({ state: 'off', register: () => () => undefined });

const parse = (channels: readonly string[]): Channel[] => {
  const parsed = parseChannels(channels.join(','), Number.MAX_SAFE_INTEGER);
  return 'channels' in parsed ? parsed.channels : [];
};

export function LiveProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listeners = useRef(new Set<Listener>());
  const lastEventId = useRef<string | null>(null);
  const [union, setUnion] = useState<string[]>([]);

  // Only channels the key may read: the server refuses a subscription naming any other.
  const { can } = useSession();
  const recompute = useCallback(() => {
    const readable = [...listeners.current].flatMap((l) => l.channels.filter((c) => can(c.scope as Scope)).map((c) => c.name));
    const names = [...new Set(readable)].sort();
    setUnion((old) => (old.join(',') === names.join(',') ? old : names));
  }, [can]);

  const register = useCallback(
    (channels: readonly string[], onEvent: (event: FeedEvent) => void) => {
      const listener = { channels: parse(channels), onEvent };
      listeners.current.add(listener);
      recompute();
      return () => {
        listeners.current.delete(listener);
        recompute();
      };
    },
    [recompute],
  );

  // The resume point is read when the channels change, not on every event (that would resubscribe).
  const input = useMemo(() => ({ channels: union, lastEventId: lastEventId.current }), [union]);
  const subscription = useSubscription(
    trpc.events.live.subscriptionOptions(input, {
      enabled: union.length > 0,
      onData: ({ id, data }) => {
        lastEventId.current = id;
        if (data.kind === 'reset') {
          void queryClient.invalidateQueries();
          return;
        }
        for (const listener of listeners.current) if (matchesChannels(data.event, listener.channels)) listener.onEvent(data.event);
      },
    }),
  );

  // A failed subscription (the server refused or ended it) is retried after a pause; views poll meanwhile.
  const { status, reset } = subscription;
  useEffect(() => {
    if (status !== 'error') return;
    const retry = setTimeout(reset, RETRY_AFTER_ERROR_MS);
    return () => clearTimeout(retry);
  }, [status, reset]);

  const state: LiveState = union.length === 0 ? 'off' : subscription.status === 'pending' ? 'live' : subscription.status === 'error' ? 'error' : 'connecting';
  const value = useMemo(() => ({ state, register }), [state, register]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

/**
 * Calls `onEvent` for each live event on `channels` (`bars:SPY:1m`, `predictions:SPY`, `orders`,
 * `jobs`, `models`; see GET /api/stream). Returns whether the stream is live, so a view can keep
 * polling only while it is not.
 */
export function useLiveEvents(channels: readonly string[], onEvent: (event: FeedEvent) => void): boolean {
  const { state, register } = useContext(LiveContext);
  const { can } = useSession();
  const handler = useRef(onEvent);
  useEffect(() => {
    handler.current = onEvent;
  });
  const key = channels.join(',');
  useEffect(() => (key ? register(key.split(','), (event) => handler.current(event)) : undefined), [key, register]);
  // Live only if the key may read some of them (the provider leaves the others out).
  const readable = useMemo(() => parse(key.split(',')).some((c) => can(c.scope as Scope)), [key, can]);
  return state === 'live' && readable;
}

/**
 * Refetches the queries under `queryKey` (e.g. `trpc.ingestion.pathKey()`) when an event arrives on
 * `channels`; a refetch already running is not restarted, so a burst costs one. Returns whether the
 * stream is live (poll only while it is not).
 */
export function useLiveInvalidate(channels: readonly string[], queryKey: QueryKey): boolean {
  const queryClient = useQueryClient();
  return useLiveEvents(channels, () => void queryClient.invalidateQueries({ queryKey }, { cancelRefetch: false }));
}

/**
 * The `refetchInterval` of a query that events on `channels` refresh (see useLiveInvalidate):
 * `pollMs` while the stream is down; while it is live, none, or `whileLiveMs` for data that also
 * moves with the clock (a target time passing) or with prices the channels do not carry.
 */
export function useLivePolling(channels: readonly string[], queryKey: QueryKey, pollMs: number, whileLiveMs: number | false = false): number | false {
  return useLiveInvalidate(channels, queryKey) ? whileLiveMs : pollMs;
}

/** The stream's state, for the connection indicator. */
export function useLiveState(): LiveState {
  return useContext(LiveContext).state;
}
