// Ticker search with typeahead (WAI-ARIA combobox + listbox). `/` focuses it from anywhere;
// Enter picks the highlighted match, Escape gives the focus back to the workspace.
import { useId, useMemo, useState, type KeyboardEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useWorkspace } from '../app/workspace-state';
import { useSession } from '../auth/session';
import { useTRPC } from '../trpc';

const MAX_OPTIONS = 8;

export function TickerSearch() {
  const trpc = useTRPC();
  const { ticker, setTicker } = useWorkspace();
  const canRead = useSession().can('market:read');
  const tickers = useQuery(trpc.marketData.tickers.queryOptions(undefined, { enabled: canRead, staleTime: 5 * 60_000 }));
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();

  const matches = useMemo(() => {
    const all = tickers.data?.tickers ?? [];
    const q = text.trim().toUpperCase();
    // Prefix matches first, then the rest that contain the text.
    return [...all.filter((t) => t.startsWith(q)), ...all.filter((t) => !t.startsWith(q) && t.includes(q))].slice(0, MAX_OPTIONS);
  }, [tickers.data, text]);

  const choose = (value: string) => {
    setTicker(value);
    setText('');
    setOpen(false);
    (document.activeElement as HTMLElement | null)?.blur();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(true);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((a) => (matches.length ? (a + step + matches.length) % matches.length : 0));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const pick = matches[active] ?? matches[0];
      if (pick) choose(pick);
    } else if (event.key === 'Escape') {
      setText('');
      setOpen(false);
      event.currentTarget.blur();
    }
  };

  const expanded = open && text.trim() !== '';
  return (
    <div className="ticker-search">
      <input
        className="input"
        data-ticker-search
        role="combobox"
        aria-label="Search ticker"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={expanded && matches[active] ? `${listId}-${matches[active]}` : undefined}
        placeholder={`${ticker}  ·  press / to search`}
        value={text}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      {expanded && (
        <ul className="ticker-options" role="listbox" id={listId} aria-label="Tickers">
          {matches.length === 0 ? (
            <li className="ticker-option muted" role="presentation">
              {!canRead ? 'Ticker search needs market:read' : tickers.isPending ? 'Loading tickers…' : tickers.isError ? <span data-state="error">Tickers unavailable</span> : 'No matching ticker'}
            </li>
          ) : (
            matches.map((t, i) => (
              <li
                key={t}
                id={`${listId}-${t}`}
                role="option"
                aria-selected={i === active}
                className="ticker-option"
                // mousedown, not click: it must win against the input's blur
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(t);
                }}
              >
                <span className="ticker-symbol">{t}</span>
                {t === ticker && <span className="muted">current</span>}
              </li>
            ))
          )}
        </ul>
      )}
    </div>
  );
}
