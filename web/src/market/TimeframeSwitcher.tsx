// Timeframe buttons (also keys 1-6).
import { TIMEFRAMES, useWorkspace } from '../app/workspace-state';

export function TimeframeSwitcher() {
  const { timeframe, setTimeframe } = useWorkspace();
  return (
    <div className="segmented" role="group" aria-label="Timeframe">
      {TIMEFRAMES.map((tf, i) => (
        <button key={tf} type="button" aria-pressed={tf === timeframe} title={`${tf} bars (key ${i + 1})`} onClick={() => setTimeframe(tf)}>
          {tf}
        </button>
      ))}
    </div>
  );
}
