// Coverage heatmap: one row per ticker × timeframe, one cell per trading session, coloured by the
// share of expected bars present (the server's calendar-aware gap report), so missing sessions
// and outages stand out at a glance.
import { useMemo } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { formatInteger, formatMarketTime } from '../app/format';
import { QueryView } from '../app/states';
import { TIMEFRAMES } from '../app/workspace-state';
import { useTRPC, type RouterOutputs } from '../trpc';

type Coverage = RouterOutputs['marketData']['coverage']['coverage'][number];
type Session = RouterOutputs['ingestion']['validate']['report']['sessions'][number];

const DAY = 86_400_000;

function cellClass(session: Session | undefined): string {
  if (!session) return 'cell none';
  if (session.present === 0) return 'cell missing';
  if (session.outages > 0 || session.present < session.expected) return 'cell partial';
  return 'cell full';
}

export function CoverageHeatmap({ sessions }: { sessions: number }) {
  const trpc = useTRPC();
  const coverage = useQuery(trpc.marketData.coverage.queryOptions({}, { refetchInterval: 60_000 }));
  return (
    <QueryView query={coverage} label="Loading coverage" empty={(d) => d.coverage.length === 0 && 'No bars stored yet.'}>
      {(data) => <Heatmap series={data.coverage} sessions={sessions} />}
    </QueryView>
  );
}

function Heatmap({ series, sessions }: { series: Coverage[]; sessions: number }) {
  const trpc = useTRPC();
  const sorted = useMemo(
    () => [...series].sort((a, b) => a.ticker.localeCompare(b.ticker) || TIMEFRAMES.indexOf(a.timeframe) - TIMEFRAMES.indexOf(b.timeframe)),
    [series],
  );
  // One window for all rows: the last `sessions` trading days up to the newest stored bar
  // (calendar days are padded by 7/5 + a holiday margin).
  const newest = Math.max(...series.map((s) => Date.parse(s.latest)));
  const to = formatMarketTime(newest, true);
  const from = formatMarketTime(newest - Math.ceil(sessions * 1.45 + 5) * DAY, true);
  // Each series is checked from its first stored bar on: days before it are "not stored", not gaps.
  const reports = useQueries({
    queries: sorted.map((s) => {
      const earliest = formatMarketTime(s.earliest, true);
      return trpc.ingestion.validate.queryOptions({ ticker: s.ticker, timeframe: s.timeframe, from: earliest > from ? earliest : from, to }, { staleTime: 60_000 });
    }),
  });
  const dates = useMemo(() => {
    const all = new Set<string>();
    for (const r of reports) for (const s of r.data?.report.sessions ?? []) all.add(s.date);
    return [...all].sort().slice(-sessions);
  }, [reports, sessions]);

  return (
    <div className="heatmap" role="table" aria-label="Coverage by session">
      <div className="heatmap-row heatmap-head" role="row">
        <span className="heatmap-label" role="columnheader">
          Series
        </span>
        <span className="heatmap-cells" role="columnheader" aria-label="Sessions">
          <span className="muted">{dates[0] ?? from}</span>
          <span className="muted">{dates.at(-1) ?? to}</span>
        </span>
        <span className="heatmap-stat" role="columnheader">
          Bars
        </span>
        <span className="heatmap-stat" role="columnheader">
          Gaps
        </span>
      </div>
      {sorted.map((s, i) => {
        const report = reports[i];
        const byDate = new Map(report?.data?.report.sessions.map((d) => [d.date, d]));
        const gaps = report?.data ? report.data.report.missingSessions.length + report.data.report.outages.length : null;
        return (
          <div className="heatmap-row" role="row" key={`${s.ticker}-${s.timeframe}`}>
            <span className="heatmap-label" role="rowheader">
              <strong>{s.ticker}</strong> <span className="muted">{s.timeframe}</span>
            </span>
            <span
              className="heatmap-cells"
              role="cell"
              aria-label={report?.isError ? 'Gap report unavailable' : `${s.ticker} ${s.timeframe} coverage`}
              aria-busy={report?.isPending}
              data-state={report?.isError ? 'error' : undefined}
            >
              {report?.isPending ? (
                <span className="muted">…</span>
              ) : (
                dates.map((date) => {
                  const d = byDate.get(date);
                  return <span key={date} className={cellClass(d)} title={d ? `${date}: ${d.present}/${d.expected} bars${d.outages ? `, ${d.outages} outage(s)` : ''}` : `${date}: outside stored range`} />;
                })
              )}
            </span>
            <span className="heatmap-stat num" role="cell">
              {formatInteger(s.count)}
            </span>
            <span className={`heatmap-stat num ${gaps ? 'down' : ''}`} role="cell">
              {gaps ?? '—'}
            </span>
          </div>
        );
      })}
      <div className="heatmap-legend" aria-hidden="true">
        <span className="cell full" /> complete <span className="cell partial" /> partial / outage <span className="cell missing" /> missing session{' '}
        <span className="cell none" /> not stored
      </div>
    </div>
  );
}
