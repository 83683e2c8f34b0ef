// The indicator picker: a menu button with one checkbox item per indicator, overlays and
// oscillator panes grouped. Keyboard: arrows move, Space/Enter toggles, Escape closes.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { INDICATORS } from './indicators';

export function IndicatorMenu({ selected, onChange }: { selected: readonly string[]; onChange: (ids: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLElement>('[role="menuitemcheckbox"]')?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const toggle = (id: string) => onChange(selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id]);

  const onKeyDown = (event: KeyboardEvent) => {
    const items = [...(root.current?.querySelectorAll<HTMLElement>('[role="menuitemcheckbox"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'Escape') {
      setOpen(false);
      button.current?.focus();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      items[(at + (event.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length]?.focus();
    } else return;
    event.stopPropagation();
  };

  const group = (pane: 'price' | 'own', title: string) => (
    <div role="group" aria-label={title}>
      <div className="section-title" aria-hidden="true">
        {title}
      </div>
      {INDICATORS.filter((i) => i.pane === pane).map((indicator) => {
        const checked = selected.includes(indicator.id);
        return (
          <button
            key={indicator.id}
            type="button"
            role="menuitemcheckbox"
            aria-checked={checked}
            className="menu-item"
            tabIndex={-1}
            onClick={() => toggle(indicator.id)}
          >
            <span className="menu-check" aria-hidden="true">
              {checked ? '✓' : ''}
            </span>
            <span className="menu-swatch" style={{ background: `var(${indicator.lines[0]!.color})` }} aria-hidden="true" />
            {indicator.label}
          </button>
        );
      })}
    </div>
  );

  return (
    <div className="menu-root" ref={root} onKeyDown={onKeyDown}>
      <button ref={button} type="button" className="btn small" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        Indicators{selected.length > 0 ? ` (${selected.length})` : ''}
      </button>
      {open && (
        <div className="menu" role="menu" aria-label="Indicators">
          {group('price', 'Overlays')}
          {group('own', 'Panes')}
        </div>
      )}
    </div>
  );
}
