// Data: the coverage heatmap, background jobs, ingestion runs with live progress and their
// per-window logs, and (admin) the refresh / backfill triggers. Runs poll every 2 s while one is running.
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ROW_LIMITS, withinLimit } from '../../../server/shared/limits';
import { DataTable, columnsFor } from '../app/DataTable';
import { formatInteger, formatMarketTime } from '../app/format';
import { useLiveInvalidate } from '../app/live';
import { oneOf, usePersistentState } from '../app/persisted';
import { QueryView } from '../app/states';
import { Can } from '../auth/session';
import { useTRPC, type RouterOutputs } from '../trpc';
import { CoverageHeatmap } from './CoverageHeatmap';
import { IngestionTriggers } from './IngestionTriggers';
import { JobsPanel } from './JobsPanel';
import { WebhooksPanel } from './WebhooksPanel';
import './data.css';

type Run = RouterOutputs['ingestion']['runs']['runs'][number];
type Log = RouterOutputs['ingestion']['logs']['logs'][number];

const WINDOWS = ['20', '60', '120'] as const;
const RUNS_SHOWN = withinLimit(50, ROW_LIMITS.ingestionRuns.max);
const LOGS_SHOWN = withinLimit(500, ROW_LIMITS.ingestionLogs.max);

const duration = (seconds: number) => (seconds < 90 ? `${Math.round(seconds)}s` : `${Math.round(seconds / 60)}m`);

const statusBadge = (status: Run['status']) => (
  <span className={`badge ${status === 'SUCCESS' ? 'up' : status === 'FAILED' ? 'down' : status === 'RUNNING' ? 'accent' : ''}`}>{status}</span>
);

const run = columnsFor<Run>();
const runColumns = run.columns([
  run.accessor('startedAt', { header: 'Started (ET)', cell: (c) => formatMarketTime(c.getValue()), sortFn: 'datetime', meta: { width: 130 } }),
  run.accessor('kind', { header: 'Kind', meta: { width: 70 } }),
  run.accessor('status', { header: 'Status', cell: (c) => statusBadge(c.getValue()), meta: { width: 80 } }),
  run.accessor((r) => `${r.tickers.join(', ')} · ${r.timeframes.join(' ')}`, { id: 'scope', header: 'Scope' }),
  run.accessor((r) => r.progress.percent, {
    id: 'progress',
    header: 'Progress',
    cell: ({ row: { original: r } }) => (
      <span className="progress" title={`${r.progress.windowsFinished}/${r.windowsTotal} windows, ${r.windowsFailed} failed`}>
        <progress max={100} value={r.progress.percent} aria-label={`Run progress ${Math.round(r.progress.percent)}%`} />
        <span className="num">{Math.round(r.progress.percent)}%</span>
        {r.progress.etaSeconds !== null && <span className="muted">ETA {duration(r.progress.etaSeconds)}</span>}
        {r.progress.stale && <span className="down">stale</span>}
      </span>
    ),
    meta: { width: 200 },
  }),
  run.accessor('bars', { header: 'Bars', cell: (c) => formatInteger(c.getValue()), meta: { numeric: true, width: 80 } }),
  run.accessor((r) => r.progress.elapsedSeconds, { id: 'elapsed', header: 'Took', cell: (c) => duration(c.getValue()), meta: { numeric: true, width: 60 } }),
]);

const log = columnsFor<Log>();
const logColumns = log.columns([
  log.accessor((l) => `${l.ticker} ${l.timeframe}`, { id: 'series', header: 'Series', meta: { width: 80 } }),
  log.accessor((l) => `${formatMarketTime(l.fromDate, true)} → ${formatMarketTime(l.toDate, true)}`, { id: 'window', header: 'Window', meta: { width: 190 } }),
  log.accessor('status', { header: 'Status', cell: (c) => statusBadge(c.getValue()), meta: { width: 80 } }),
  log.accessor('rowsIngested', { header: 'Bars', cell: (c) => formatInteger(c.getValue()), meta: { numeric: true, width: 70 } }),
  log.accessor('attempts', { header: 'Tries', meta: { numeric: true, width: 50 } }),
  log.accessor('errorMessage', { header: 'Error', cell: (c) => <span className="down">{c.getValue() ?? ''}</span> }),
]);

export default function DataView() {
  const trpc = useTRPC();
  const [sessions, setSessions] = usePersistentState<(typeof WINDOWS)[number]>('qb.data.sessions', '60', oneOf(WINDOWS));
  const [runId, setRunId] = useState<string | null>(null);
  const streaming = useLiveInvalidate(['jobs'], trpc.ingestion.pathKey()); // ingestion.progress per window
  const runs = useQuery(
    trpc.ingestion.runs.queryOptions(
      { limit: RUNS_SHOWN },
      { refetchInterval: (q) => (streaming ? false : q.state.data?.runs.some((r) => r.status === 'RUNNING') ? 2_000 : 15_000) },
    ),
  );
  const selectedRun = runs.data?.runs.find((r) => r.id === runId) ?? null;
  const logs = useQuery(
    trpc.ingestion.logs.queryOptions({ runId: runId ?? undefined, limit: LOGS_SHOWN }, { enabled: runId !== null, refetchInterval: !streaming && selectedRun?.status === 'RUNNING' ? 2_000 : false }),
  );

  return (
    <div className="data-view">
      <section className="data-coverage" aria-label="Coverage">
        <div className="toolbar">
          <h3 className="section-title flush">Coverage</h3>
          <div className="segmented" role="radiogroup" aria-label="Sessions shown">
            {WINDOWS.map((w) => (
              <button key={w} type="button" role="radio" aria-checked={sessions === w} onClick={() => setSessions(w)}>
                {w}d
              </button>
            ))}
          </div>
        </div>
        <div className="scroll">
          <CoverageHeatmap sessions={Number(sessions)} />
        </div>
        <JobsPanel />
      </section>
      <section className="data-runs" aria-label="Ingestion">
        <div className="toolbar">
          <h3 className="section-title flush">Ingestion runs</h3>
          <div className="toolbar-spacer" />
          <Can scope="admin">
            <IngestionTriggers onStarted={setRunId} />
          </Can>
        </div>
        <QueryView query={runs} label="Loading runs">
          {(data) => (
            <DataTable
              label="Ingestion runs"
              columns={runColumns}
              data={data.runs}
              rowId={(r) => r.id}
              onRowClick={(r) => setRunId(r.id)}
              selectedId={runId}
              empty="No ingestion runs yet. The demo data was generated, not ingested."
            />
          )}
        </QueryView>
        {runId && (
          <div className="data-logs">
            <div className="toolbar">
              <h3 className="section-title flush">Logs of the selected run</h3>
              {selectedRun?.error && <span className="down">{selectedRun.error}</span>}
              <div className="toolbar-spacer" />
              <button type="button" className="btn small" onClick={() => setRunId(null)}>
                Close logs
              </button>
            </div>
            <QueryView query={logs} label="Loading logs">
              {(data) => <DataTable label="Ingestion logs" columns={logColumns} data={data.logs} rowId={(l) => l.id} empty="No windows logged yet." />}
            </QueryView>
          </div>
        )}
        <WebhooksPanel />
      </section>
    </div>
  );
}
