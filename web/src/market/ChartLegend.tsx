// The chart's legends: OHLCV (+ change and overlay values) of the bar under the crosshair, and
// one small legend per oscillator pane. Plain DOM over the canvas, so they are readable by
// assistive technology and by tests.
import type { ReactNode } from 'react';
import type { FeatureColumnName } from '../../../server/features/indicators/catalog';
import { formatMarketTime, formatPrice, formatSigned, formatPercent, formatVolume, trendClass } from '../app/format';
import type { Indicator } from './indicators';
import type { ChartBar } from './useBarHistory';

type ValueAt = (column: FeatureColumnName) => number | null;

const formatIndicator = (value: number | null) =>
  value == null ? '—' : Math.abs(value) >= 100_000 ? formatVolume(value) : value.toFixed(Math.abs(value) >= 100 ? 2 : 3);

export function ChartLegend({
  bar,
  previous,
  dateOnly,
  overlays,
  valueAt,
}: {
  bar: ChartBar | null;
  previous: ChartBar | null;
  dateOnly: boolean;
  overlays: readonly Indicator[];
  valueAt: ValueAt;
}) {
  if (!bar) return null;
  const change = previous ? bar.close - previous.close : null;
  const fields = [
    ['Open', 'O', bar.open, formatPrice(bar.open)],
    ['High', 'H', bar.high, formatPrice(bar.high)],
    ['Low', 'L', bar.low, formatPrice(bar.low)],
    ['Close', 'C', bar.close, formatPrice(bar.close)],
    ['Volume', 'V', bar.volume, formatVolume(bar.volume)],
  ] as const;
  return (
    <div className="chart-legend">
      <div className="legend-row" role="group" aria-label="Bar values">
        <LegendItem name="Time" short="">
          <time dateTime={new Date(bar.ms).toISOString()}>{formatMarketTime(bar.ms, dateOnly)}</time>
          {!dateOnly && <span className="muted"> ET</span>}
        </LegendItem>
        {fields.map(([name, short, value, text]) => (
          <LegendItem key={name} name={name} short={short} className={name === 'Volume' ? '' : trendClass(bar.close - bar.open)}>
            <data value={value}>{text}</data>
          </LegendItem>
        ))}
        {change !== null && previous && (
          <LegendItem name="Change" short="" className={trendClass(change)}>
            <data value={change}>{formatSigned(change)}</data> ({formatSigned(change / previous.close, (v) => formatPercent(v, 2))})
          </LegendItem>
        )}
      </div>
      {overlays.length > 0 && (
        <div className="legend-row" role="group" aria-label="Overlay values">
          {overlays.flatMap((o) =>
            o.lines.map((line) => (
              <IndicatorValue key={`${o.id}-${line.column}`} name={o.lines.length > 1 ? `${o.short ?? o.label} ${line.label}` : o.label} line={line} valueAt={valueAt} />
            )),
          )}
        </div>
      )}
    </div>
  );
}

/**
 * One named value: a group named by its term (tests and screen readers find "Close"), the value
 * in a <data>/<time> element carrying the raw number. `short` replaces the visible term ("C"; ""
 * shows none) to keep the legend compact.
 */
function LegendItem({ name, short, color, className = '', children }: { name: string; short?: string; color?: string; className?: string; children: ReactNode }) {
  return (
    <span className="legend-item" role="group" aria-label={name}>
      {short !== '' && (
        <span className="legend-term" aria-hidden="true" style={color ? { color: `var(${color})` } : undefined}>
          {short ?? name}
        </span>
      )}
      <span className={`num legend-value ${className}`}>{children}</span>
    </span>
  );
}

function IndicatorValue({ name, line, valueAt }: { name: string; line: Indicator['lines'][number]; valueAt: ValueAt }) {
  const value = valueAt(line.column);
  return (
    <LegendItem name={name} color={line.color}>
      <data value={value ?? ''}>{formatIndicator(value)}</data>
    </LegendItem>
  );
}

export function PaneLegend({ indicator, valueAt }: { indicator: Indicator; valueAt: ValueAt }) {
  return (
    <div className="pane-legend" role="group" aria-label={`${indicator.label} pane`}>
      <span className="pane-legend-title">{indicator.label}</span>
      {indicator.lines.map((line) => (
        <IndicatorValue key={line.column} name={line.label} line={line} valueAt={valueAt} />
      ))}
    </div>
  );
}
