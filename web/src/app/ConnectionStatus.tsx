// Connection and database status from the public health report, polled cheaply every 15 s, and
// the state of the live event stream (web/src/app/live.tsx).
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc';
import { useLiveState, type LiveState } from './live';

const LIVE_LABELS: Record<Exclude<LiveState, 'off'>, { text: string; dot: string; title: string }> = {
  live: { text: 'Live', dot: 'up', title: 'Live updates are streaming' },
  connecting: { text: 'Reconnecting…', dot: 'warn', title: 'The live stream is (re)connecting; views poll meanwhile' },
  error: { text: 'Live updates off', dot: 'down', title: 'The live stream failed; views poll instead' },
};

function LiveIndicator() {
  const state = useLiveState();
  if (state === 'off') return null;
  const label = LIVE_LABELS[state];
  return (
    <>
      <span className="status-sep" aria-hidden="true" />
      <span className="live-state" data-testid="live-state" data-state={state} title={label.title} aria-label={`Live updates: ${state}`}>
        <span className={`dot ${label.dot}`} aria-hidden="true" /> {label.text}
      </span>
    </>
  );
}

export function ConnectionStatus() {
  const trpc = useTRPC();
  const health = useQuery(trpc.health.report.queryOptions(undefined, { refetchInterval: 15_000, retry: false }));

  if (health.isPending) return <span className="status muted">Connecting…</span>;
  if (health.isError) {
    return (
      <span className="status" role="status" aria-label="Connection: offline" data-state="error">
        <span className="dot down" aria-hidden="true" /> Offline
      </span>
    );
  }
  const { database, status } = health.data;
  const pending = database.migrations.pending.length + database.migrations.failed.length;
  const engine = `PostgreSQL ${database.postgresVersion.split(' ')[0]}${database.timescaledb ? ' + TimescaleDB' : ''}`;
  return (
    <span className="status" role="status" aria-label={`Connection: online, database ${status}`}>
      <span className={`dot ${status === 'ok' ? 'up' : 'warn'}`} aria-hidden="true" />
      <span>Online</span>
      <span className="status-sep" aria-hidden="true" />
      <span className="muted" title={`${engine}, ${database.mode}${pending ? `, ${pending} migrations need attention` : ''}`}>
        {engine} · {database.mode}
      </span>
      <LiveIndicator />
    </span>
  );
}
