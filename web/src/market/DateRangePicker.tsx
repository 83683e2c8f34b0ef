// The chart's date range: empty = live (latest bars, pan back for more); both dates set = exactly
// those ET session dates. Applied as soon as the pair is valid.
import { useEffect, useState } from 'react';
import { useWorkspace } from '../app/workspace-state';

export function DateRangePicker() {
  const { range, setRange } = useWorkspace();
  const [from, setFrom] = useState(range?.from ?? '');
  const [to, setTo] = useState(range?.to ?? '');

  useEffect(() => {
    setFrom(range?.from ?? '');
    setTo(range?.to ?? '');
  }, [range]);

  const apply = (nextFrom: string, nextTo: string) => {
    setFrom(nextFrom);
    setTo(nextTo);
    if (nextFrom && nextTo && nextFrom <= nextTo) setRange({ from: nextFrom, to: nextTo });
  };
  const invalid = from !== '' && to !== '' && from > to;

  return (
    <div className="date-range" role="group" aria-label="Date range">
      <input className="input" type="date" aria-label="From date" value={from} max={to || undefined} onChange={(e) => apply(e.target.value, to)} aria-invalid={invalid} />
      <span className="muted" aria-hidden="true">
        →
      </span>
      <input className="input" type="date" aria-label="To date" value={to} min={from || undefined} onChange={(e) => apply(from, e.target.value)} aria-invalid={invalid} />
      <button
        type="button"
        className="btn small"
        aria-pressed={range === null}
        title="Follow the latest bars"
        onClick={() => {
          setRange(null);
          setFrom('');
          setTo('');
        }}
      >
        Live
      </button>
    </div>
  );
}
