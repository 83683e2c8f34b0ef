// The terminal: top bar, then watchlist | chart over a tabbed dock | trade panel, every split
// resizable and collapsible, the layout remembered in localStorage. Nothing here scrolls as a
// page; each panel scrolls its own content.
import { lazy, Suspense, useState } from 'react';
import { Group, Panel, Separator, useDefaultLayout, usePanelRef, type PanelImperativeHandle } from 'react-resizable-panels';
import { ChartPanel } from '../market/ChartPanel';
import { Watchlist } from '../market/Watchlist';
import { Dock } from './Dock';
import { ShortcutHelp, useShortcuts, type Shortcut } from './shortcuts';
import { Loading } from './states';
import { TopBar } from './TopBar';
import { TIMEFRAMES, WorkspaceProvider, useWorkspace } from './workspace-state';
import './workspace.css';

const TradePanel = lazy(() => import('../trading/TradePanel'));

const storage = typeof window === 'undefined' ? undefined : window.localStorage;

function toggle(panel: PanelImperativeHandle | null) {
  if (!panel) return;
  if (panel.isCollapsed()) panel.expand();
  else panel.collapse();
}

function focusTickerSearch() {
  document.querySelector<HTMLInputElement>('input[data-ticker-search]')?.focus();
}

function WorkspaceLayout() {
  const { setTimeframe, toggleTheme } = useWorkspace();
  const [helpOpen, setHelpOpen] = useState(false);
  const watchlist = usePanelRef();
  const side = usePanelRef();
  const dock = usePanelRef();
  const main = useDefaultLayout({ id: 'qb.layout.main', storage });
  const centre = useDefaultLayout({ id: 'qb.layout.centre', storage });

  const shortcuts: Shortcut[] = [
    { keys: ['/'], label: '/', description: 'Search tickers', run: focusTickerSearch },
    ...TIMEFRAMES.map((tf, i) => ({
      keys: [String(i + 1)],
      label: String(i + 1),
      description: `Timeframe ${tf}`,
      run: () => setTimeframe(tf),
    })),
    { keys: ['w'], label: 'W', description: 'Show or hide the watchlist', run: () => toggle(watchlist.current) },
    { keys: ['d'], label: 'D', description: 'Show or hide the dock', run: () => toggle(dock.current) },
    { keys: ['o'], label: 'O', description: 'Show or hide the trade panel', run: () => toggle(side.current) },
    { keys: ['t'], label: 'T', description: 'Switch dark / light theme', run: toggleTheme },
    { keys: ['?'], label: '?', description: 'Show keyboard shortcuts', run: () => setHelpOpen(true) },
  ];
  useShortcuts(shortcuts);

  return (
    <div className="workspace">
      <TopBar onHelp={() => setHelpOpen(true)} />
      <Group id="qb-main" orientation="horizontal" className="workspace-body" defaultLayout={main.defaultLayout} onLayoutChanged={main.onLayoutChanged}>
        <Panel id="watchlist" panelRef={watchlist} defaultSize="230px" minSize="170px" maxSize="40%" collapsible collapsedSize="0px">
          <Watchlist onCollapse={() => watchlist.current?.collapse()} />
        </Panel>
        <Separator className="splitter vertical" aria-label="Resize watchlist" />
        <Panel id="centre" minSize="30%">
          <Group id="qb-centre" orientation="vertical" defaultLayout={centre.defaultLayout} onLayoutChanged={centre.onLayoutChanged}>
            <Panel id="chart" minSize="20%">
              <ChartPanel />
            </Panel>
            <Separator className="splitter horizontal" aria-label="Resize dock" />
            <Panel id="dock" panelRef={dock} defaultSize="38%" minSize="120px" collapsible collapsedSize="0px">
              <Dock onCollapse={() => dock.current?.collapse()} />
            </Panel>
          </Group>
        </Panel>
        <Separator className="splitter vertical" aria-label="Resize trade panel" />
        <Panel id="side" panelRef={side} defaultSize="290px" minSize="240px" maxSize="45%" collapsible collapsedSize="0px">
          <Suspense fallback={<Loading />}>
            <TradePanel onCollapse={() => side.current?.collapse()} />
          </Suspense>
        </Panel>
      </Group>
      {helpOpen && <ShortcutHelp shortcuts={shortcuts} onClose={() => setHelpOpen(false)} />}
    </div>
  );
}

export default function Workspace() {
  return (
    <WorkspaceProvider>
      <WorkspaceLayout />
    </WorkspaceProvider>
  );
}
