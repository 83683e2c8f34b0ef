// The top bar: ticker search, timeframe, date range, then connection/database status, theme,
// help and the signed-in key.
import { useSession } from '../auth/session';
import { DateRangePicker } from '../market/DateRangePicker';
import { TickerSearch } from '../market/TickerSearch';
import { TimeframeSwitcher } from '../market/TimeframeSwitcher';
import { ConnectionStatus } from './ConnectionStatus';
import { useWorkspace } from './workspace-state';

export function TopBar({ onHelp }: { onHelp: () => void }) {
  const { theme, toggleTheme } = useWorkspace();
  const { me, signOut } = useSession();
  const nextTheme = theme === 'dark' ? 'light' : 'dark';
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span>Quantbase</span>
      </div>
      <TickerSearch />
      <TimeframeSwitcher />
      <DateRangePicker />
      <div className="topbar-spacer" />
      <ConnectionStatus />
      <button type="button" className="btn ghost icon" aria-label={`Switch to ${nextTheme} theme`} title={`Switch to ${nextTheme} theme (T)`} onClick={toggleTheme}>
        <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
      </button>
      <button type="button" className="btn ghost icon" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={onHelp}>
        <span aria-hidden="true">?</span>
      </button>
      <div className="user" role="group" aria-label={`Signed in as ${me.name}`} title={`Scopes: ${me.scopes.join(', ')}`}>
        <span className="user-name">{me.name}</span>
        <span className="user-prefix num">{me.keyPrefix}…</span>
      </div>
      <button type="button" className="btn small" onClick={() => void signOut()}>
        Sign out
      </button>
    </header>
  );
}
