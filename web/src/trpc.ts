// The one tRPC client of the SPA: same-origin `/trpc` with superjson (Dates survive the wire),
// the session cookie rides along automatically. Calls made together share one request, streamed,
// so a slow report never holds back the fast answers batched with it; subscriptions go over SSE. Components reach it through `useTRPC()` and
// TanStack Query's `queryOptions`/`mutationOptions` factories, so every call is typed from the
// server's AppRouter without a line of hand-written API types.
import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchStreamLink, httpSubscriptionLink, isTRPCClientError, splitLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import superjson from 'superjson';
import type { AppRouter } from '../../server/router';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function createApiClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        // Subscriptions (the live change feed, web/src/app/live.tsx) are Server-Sent Events; the
        // browser's EventSource carries the session cookie and reconnects with the last event id.
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: '/trpc', transformer: superjson }),
        false: httpBatchStreamLink({ url: '/trpc', transformer: superjson, maxURLLength: 4000 }),
      }),
    ],
  });
}

/** The tRPC error code of a failed call (UNAUTHORIZED, FORBIDDEN, ...), or null for anything else. */
export function errorCode(error: unknown): string | null {
  return isTRPCClientError<AppRouter>(error) ? (error.data?.code ?? null) : null;
}

/** The API's "database unavailable, retry shortly" answer (503), from a procedure or from the HTTP layer. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!isTRPCClientError<AppRouter>(error)) return false;
  const response = (error.meta as { response?: { status?: number } } | undefined)?.response;
  return error.data?.code === 'SERVICE_UNAVAILABLE' || response?.status === 503;
}

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        // Retrying a 4xx only delays the error state the user needs to see; a database outage is
        // retried by DatabaseOutage, which polls until the database is back.
        retry: (failures, error) =>
          failures < 2 && !isDatabaseUnavailable(error) && !['UNAUTHORIZED', 'FORBIDDEN', 'BAD_REQUEST', 'NOT_FOUND'].includes(errorCode(error) ?? ''),
      },
    },
  });
}
