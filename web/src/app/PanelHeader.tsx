// The strip on top of every panel: a title, optional tools, and a collapse button.
import type { ReactNode } from 'react';

interface PanelHeaderProps {
  title: ReactNode;
  children?: ReactNode;
  /** Accessible name of the collapse button, e.g. "Hide watchlist". */
  collapseLabel?: string;
  onCollapse?: () => void;
}

export function PanelHeader({ title, children, collapseLabel, onCollapse }: PanelHeaderProps) {
  return (
    <header className="panel-header">
      <h2 className="panel-title">{title}</h2>
      <div className="panel-tools">{children}</div>
      {onCollapse && (
        <button type="button" className="btn ghost icon" aria-label={collapseLabel} title={collapseLabel} onClick={onCollapse}>
          <span aria-hidden="true">—</span>
        </button>
      )}
    </header>
  );
}
