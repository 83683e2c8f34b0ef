// One state for a database outage. When any call answers 503 "database unavailable", the screen is
// covered by a single "Database unavailable, retrying…" notice instead of an error in every panel
// (panels stay mounted, keeping what the analyst was doing). The public health endpoint is polled
// until it answers again; then every query is fetched again and the notice goes.
import { useEffect, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { isDatabaseUnavailable } from '../trpc';
import './states.css';

const POLL_MS = 2_000;

export function DatabaseOutage({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [down, setDown] = useState(false);

  useEffect(() => {
    const onEvent = (event: { type: string; action?: { type: string; error?: unknown } }) => {
      if (event.type === 'updated' && event.action?.type === 'error' && isDatabaseUnavailable(event.action.error)) setDown(true);
    };
    const unsubscribeQueries = queryClient.getQueryCache().subscribe(onEvent);
    const unsubscribeMutations = queryClient.getMutationCache().subscribe(onEvent);
    return () => {
      unsubscribeQueries();
      unsubscribeMutations();
    };
  }, [queryClient]);

  useEffect(() => {
    if (!down) return;
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const poll = async () => {
      const health = await fetch('/api/health', { credentials: 'same-origin' }).catch(() => null);
      if (stopped) return;
      if (health?.ok) {
        setDown(false);
        void queryClient.invalidateQueries();
      } else timer = setTimeout(() => void poll(), POLL_MS);
    };
    timer = setTimeout(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [down, queryClient]);

  return (
    <>
      {children}
      {down && (
        <div className="outage" role="alert" data-state="error">
          <div className="outage-notice">
            <span className="spinner" aria-hidden="true" />
            <span>Database unavailable, retrying…</span>
          </div>
        </div>
      )}
    </>
  );
}
