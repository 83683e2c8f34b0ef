// A series' registry state: which model each alias names, and the append-only deployment history
// (models.series), newest first.
import { useQuery } from '@tanstack/react-query';
import { formatMarketTime } from '../app/format';
import { QueryView } from '../app/states';
import { useTRPC, type RouterInputs } from '../trpc';
import { useModelNames } from './useModelNames';

type Series = Pick<RouterInputs['models']['series'], 'ticker' | 'timeframe'>;

export function SeriesHistory({ ticker, timeframe }: Series) {
  const trpc = useTRPC();
  const names = useModelNames();
  const name = (id: string | null) => (id ? (names.get(id) ?? id.slice(0, 8)) : '—');
  const query = useQuery(trpc.models.series.queryOptions({ ticker, timeframe, limit: 50 }));
  return (
    <QueryView query={query} label="Loading deployment history">
      {({ aliases, deployments }) => (
        <>
          <h3 className="section-title">Aliases · {ticker} {timeframe}</h3>
          <div className="chips">
            {aliases.length === 0 ? (
              <span className="muted">none</span>
            ) : (
              aliases.map((a) => (
                <span key={a.alias} className={`badge ${a.alias === 'champion' ? 'accent' : ''}`}>
                  {a.alias}: {name(a.modelId)}
                </span>
              ))
            )}
          </div>
          <h3 className="section-title">Deploy history</h3>
          {deployments.length === 0 ? (
            <p className="muted model-detail-note">No alias has moved yet.</p>
          ) : (
            <table className="history" aria-label="Deploy history">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Alias</th>
                  <th>From → to</th>
                  <th>By</th>
                </tr>
              </thead>
              <tbody>
                {deployments.map((d) => (
                  <tr key={d.id} title={d.reason ?? undefined}>
                    <td>{formatMarketTime(d.createdAt)}</td>
                    <td>
                      {d.alias}
                      {d.action === 'rollback' && <span className="badge down">rollback</span>}
                    </td>
                    <td>
                      {name(d.fromModelId)} → {name(d.toModelId)}
                      {d.reason && <div className="muted">{d.reason}</div>}
                    </td>
                    <td>{d.actor}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </QueryView>
  );
}
