// Who is signed in decides what renders: the sign-in screen, or the workspace. The workspace is a
// lazy chunk, so the sign-in screen (and a one-time-link arrival) loads only a few kilobytes.
import { lazy, Suspense, useEffect } from 'react';
import { hashKey, useQuery, useQueryClient } from '@tanstack/react-query';
import { SessionProvider, signOutRequest } from '../auth/session';
import { SignIn } from '../auth/SignIn';
import { errorCode, useTRPC } from '../trpc';
import { LiveProvider } from './live';
import { ErrorState, Loading } from './states';

const Workspace = lazy(() => import('./Workspace'));

export function App() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const meKey = trpc.auth.me.queryKey();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 5 * 60_000 }));

  // A session that ends mid-use (expiry, revoked key) sends the workstation back to sign-in.
  useEffect(
    () =>
      queryClient.getQueryCache().subscribe((event) => {
        if (event.type === 'updated' && event.action.type === 'error' && errorCode(event.action.error) === 'UNAUTHORIZED') {
          void queryClient.invalidateQueries({ queryKey: meKey });
        }
      }),
    [queryClient, meKey],
  );

  if (me.isPending) return <Loading label="Connecting" />;
  if (me.isError) return <ErrorState error={me.error} retry={() => void me.refetch()} />;
  if (!me.data) return <SignIn onSignedIn={() => void queryClient.resetQueries()} />;

  const signOut = async () => {
    await signOutRequest();
    // Drop every cached answer of the old key before anything re-renders with it.
    queryClient.removeQueries({ predicate: (query) => query.queryHash !== hashKey(meKey) });
    queryClient.setQueryData(meKey, null);
  };

  return (
    <SessionProvider me={me.data} signOut={signOut}>
      <LiveProvider>
        <Suspense fallback={<Loading label="Opening workspace" />}>
          <Workspace />
        </Suspense>
      </LiveProvider>
    </SessionProvider>
  );
}
