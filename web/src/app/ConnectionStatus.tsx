// Connection and database status from the public health report, polled cheaply every 15 s.
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc';

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
    </span>
  );
}
