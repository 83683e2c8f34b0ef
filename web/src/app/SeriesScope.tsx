// Most dock views look at either the workspace's series (ticker + timeframe) or everything.
// One remembered switch per view, and one place that turns it into API filter fields.
import { oneOf, usePersistentState } from './persisted';
import { useWorkspace, type Timeframe } from './workspace-state';

type Scope = 'series' | 'all';

export function useSeriesScope(view: string) {
  const { ticker, timeframe } = useWorkspace();
  const [scope, setScope] = usePersistentState<Scope>(`qb.scope.${view}`, 'series', oneOf(['series', 'all'] as const));
  const filter: { ticker?: string; timeframe?: Timeframe } = scope === 'series' ? { ticker, timeframe } : {};
  const toggle = (
    <div className="segmented" role="radiogroup" aria-label="Scope">
      <button type="button" role="radio" aria-checked={scope === 'series'} onClick={() => setScope('series')}>
        {ticker} {timeframe}
      </button>
      <button type="button" role="radio" aria-checked={scope === 'all'} onClick={() => setScope('all')}>
        All series
      </button>
    </div>
  );
  return { filter, toggle, isSeries: scope === 'series' };
}
