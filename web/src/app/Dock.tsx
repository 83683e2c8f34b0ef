// The bottom dock: one tab per analysis view, each a lazy chunk (recharts, tables and their code
// load only when a tab opens). Tabs the signed-in key cannot use are not shown at all.
import { lazy, Suspense, useId, type ComponentType, type KeyboardEvent } from 'react';
import type { Scope } from '../../../server/auth/schema';
import { useSession } from '../auth/session';
import { PanelHeader } from './PanelHeader';
import { DOCK_TABS, useDockRoute, type DockTab } from './route';
import { Loading } from './states';

interface TabSpec {
  label: string;
  scope: Scope;
  view: ComponentType;
}

const TABS: Record<DockTab, TabSpec> = {
  predictions: { label: 'Predictions', scope: 'predictions:read', view: lazy(() => import('../predictions/PredictionsView')) },
  accuracy: { label: 'Accuracy', scope: 'predictions:read', view: lazy(() => import('../predictions/AccuracyView')) },
  models: { label: 'Models', scope: 'predictions:read', view: lazy(() => import('../models/ModelsView')) },
  trading: { label: 'Trading', scope: 'trading:read', view: lazy(() => import('../trading/TradingView')) },
  data: { label: 'Data', scope: 'market:read', view: lazy(() => import('../data/DataView')) },
  datasets: { label: 'Datasets', scope: 'market:read', view: lazy(() => import('../datasets/DatasetsView')) },
  keys: { label: 'API keys', scope: 'admin', view: lazy(() => import('../auth/KeysView')) },
};

export function Dock({ onCollapse }: { onCollapse: () => void }) {
  const { can } = useSession();
  const visible = DOCK_TABS.filter((tab) => can(TABS[tab].scope));
  const [routeTab, navigate] = useDockRoute(visible[0] ?? 'data');
  const active = visible.includes(routeTab) ? routeTab : visible[0];
  const baseId = useId();
  const View = active && TABS[active].view;

  // Arrow keys move between tabs, as the WAI-ARIA tabs pattern expects.
  const onKeyDown = (event: KeyboardEvent) => {
    if (!active || (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft')) return;
    const step = event.key === 'ArrowRight' ? 1 : -1;
    const next = visible[(visible.indexOf(active) + step + visible.length) % visible.length]!;
    navigate(next);
    document.getElementById(`${baseId}-${next}`)?.focus();
  };

  return (
    <section className="panel dock" aria-label="Dock">
      <PanelHeader
        title={
          <div role="tablist" aria-label="Views" className="tabs" onKeyDown={onKeyDown}>
            {visible.map((tab) => (
              <button
                key={tab}
                id={`${baseId}-${tab}`}
                type="button"
                role="tab"
                aria-selected={tab === active}
                aria-controls={`${baseId}-panel`}
                tabIndex={tab === active ? 0 : -1}
                className="tab"
                onClick={() => navigate(tab)}
              >
                {TABS[tab].label}
              </button>
            ))}
          </div>
        }
        collapseLabel="Hide dock"
        onCollapse={onCollapse}
      />
      <div className="panel-body" role="tabpanel" id={`${baseId}-panel`} aria-labelledby={active && `${baseId}-${active}`}>
        <Suspense fallback={<Loading />}>{View ? <View /> : null}</Suspense>
      </div>
    </section>
  );
}
