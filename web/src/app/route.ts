// The dock's tab lives in the URL path (/predictions, /accuracy, ...), so views can be linked and
// the back button works. The server answers every path with the SPA (history fallback).
import { useCallback, useSyncExternalStore } from 'react';

export const DOCK_TABS = ['predictions', 'accuracy', 'models', 'trading', 'data', 'datasets', 'keys'] as const;
export type DockTab = (typeof DOCK_TABS)[number];

const subscribe = (onChange: () => void) => {
  window.addEventListener('popstate', onChange);
  return () => window.removeEventListener('popstate', onChange);
};
const currentPath = () => window.location.pathname;

export function useDockRoute(fallback: DockTab): [DockTab, (tab: DockTab) => void] {
  const path = useSyncExternalStore(subscribe, currentPath);
  const segment = path.split('/')[1] ?? '';
  const tab = (DOCK_TABS as readonly string[]).includes(segment) ? (segment as DockTab) : fallback;
  const navigate = useCallback((next: DockTab) => {
    if (window.location.pathname === `/${next}`) return;
    window.history.pushState(null, '', `/${next}`);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, []);
  return [tab, navigate];
}
