// Accuracy per model version and series over a rolling window: a table of hit rates, coverage,
// Brier score and log loss (pick a row), and for the picked row its hit rate over time, its
// calibration (does 70% confidence mean right 70% of the time?) and precision / recall per
// direction. All numbers come from predictions.accuracy, measured in SQL on stored outcomes.
import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { DataTable, columnsFor } from '../app/DataTable';
import { formatInteger, formatMarketTime, formatPercent } from '../app/format';
import { oneOf, usePersistentState } from '../app/persisted';
import { useSeriesScope } from '../app/SeriesScope';
import { QueryView } from '../app/states';
import { useThemeColors } from '../app/theme-colors';
import { useTRPC, type RouterOutputs } from '../trpc';
import './predictions.css';

type Report = RouterOutputs['predictions']['accuracy'];
type ModelStats = Report['models'][number];
type AccuracyWindow = Report['window'];

const WINDOWS: readonly AccuracyWindow[] = ['7d', '30d', '90d', 'all'];

/** A report row: one model version on one series. */
const rowKey = (m: Pick<ModelStats, 'modelId' | 'ticker' | 'timeframe'>) => `${m.modelId}|${m.ticker}|${m.timeframe}`;
const formatScore = (value: number | null) => (value === null ? '—' : value.toFixed(3));

const LIVE_MS = 60_000;
const COLORS = ['series-1', 'series-2', 'series-5', 'muted', 'grid', 'border', 'text', 'panel-raised'] as const;

const col = columnsFor<ModelStats>();
// Model names already carry the series (spy-1h-...), so no separate series column.
const columns = col.columns([
  col.accessor((m) => `${m.modelName} ${m.modelVersion}`, { id: 'model', header: 'Model' }),
  col.accessor('hitRate', { header: 'Hit rate', cell: (c) => formatPercent(c.getValue()), meta: { numeric: true, width: 68 } }),
  col.accessor('brier', { header: 'Brier', cell: (c) => formatScore(c.getValue()), meta: { numeric: true, width: 60 } }),
  col.accessor('logLoss', { header: 'Log loss', cell: (c) => formatScore(c.getValue()), meta: { numeric: true, width: 68 } }),
  col.accessor('coverage', { header: 'Coverage', cell: (c) => formatPercent(c.getValue()), meta: { numeric: true, width: 72 } }),
  col.accessor('resolved', { header: 'Resolved', cell: (c) => formatInteger(c.getValue()), meta: { numeric: true, width: 72 } }),
  col.accessor('avgConfidence', { header: 'Avg conf.', cell: (c) => formatPercent(c.getValue()), meta: { numeric: true, width: 72 } }),
]);

const pct = (v: number) => `${Math.round(v * 100)}%`;

export default function AccuracyView() {
  const trpc = useTRPC();
  const { filter, toggle } = useSeriesScope('accuracy');
  const [bucket, setBucket] = usePersistentState<'day' | 'week'>('qb.accuracy.bucket', 'week', oneOf(['day', 'week'] as const));
  const [rolling, setRolling] = usePersistentState<AccuracyWindow>('qb.accuracy.window', 'all', oneOf(WINDOWS));
  const [picked, setPicked] = useState<string | null>(null);
  const query = useQuery(trpc.predictions.accuracy.queryOptions({ ...filter, bucket, window: rolling }, { refetchInterval: LIVE_MS }));

  return (
    <div className="view">
      <div className="toolbar">
        {toggle}
        <div className="segmented" role="radiogroup" aria-label="Window">
          {WINDOWS.map((w) => (
            <button key={w} type="button" role="radio" aria-checked={rolling === w} onClick={() => setRolling(w)}>
              {w === 'all' ? 'All time' : w}
            </button>
          ))}
        </div>
        <div className="segmented" role="radiogroup" aria-label="Bucket">
          {(['day', 'week'] as const).map((b) => (
            <button key={b} type="button" role="radio" aria-checked={bucket === b} onClick={() => setBucket(b)}>
              By {b}
            </button>
          ))}
        </div>
      </div>
      <QueryView query={query} label="Measuring accuracy" empty={(r) => r.models.length === 0 && 'No predictions for this scope yet.'}>
        {(report) => <AccuracyReport report={report} picked={picked} onPick={setPicked} />}
      </QueryView>
    </div>
  );
}

function AccuracyReport({ report, picked, onPick }: { report: Report; picked: string | null; onPick: (id: string) => void }) {
  const colors = useThemeColors(COLORS);
  // Default to the model with the most resolved predictions (usually the active one).
  const selected = report.models.find((m) => rowKey(m) === picked) ?? [...report.models].sort((a, b) => b.resolved - a.resolved)[0]!;
  const id = selected.modelId;
  const key = rowKey(selected);
  const overTime = useMemo(() => report.overTime.filter((p) => p.modelId === id).map((p) => ({ ...p, label: formatMarketTime(p.bucket, true) })), [report, id]);
  const calibration = useMemo(() => report.calibration.filter((c) => rowKey(c) === key), [report, key]);
  const directions = useMemo(() => report.directions.filter((d) => rowKey(d) === key && d.predicted + d.actual > 0), [report, key]);
  const axis = { stroke: colors.muted, tick: { fill: colors.muted, fontSize: 11 }, tickLine: false };
  const tooltip = {
    contentStyle: { background: colors['panel-raised'], border: `1px solid ${colors.border}`, fontSize: 12 },
    labelStyle: { color: colors.text },
  };

  return (
    <div className="accuracy">
      <div className="accuracy-table">
        <DataTable
          label="Hit rate by model"
          columns={columns}
          data={report.models}
          rowId={rowKey}
          onRowClick={(m) => onPick(rowKey(m))}
          selectedId={key}
          initialSorting={[{ id: 'resolved', desc: true }]}
        />
      </div>
      <div className="accuracy-charts">
        <figure className="chart-card" aria-label={`Hit rate over time, ${selected.modelName} ${selected.modelVersion}`}>
          <figcaption>
            Hit rate over time ·{' '}
            <strong>
              {selected.modelName} {selected.modelVersion}
            </strong>
          </figcaption>
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart data={overTime} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
              <CartesianGrid stroke={colors.grid} vertical={false} />
              <XAxis dataKey="label" {...axis} minTickGap={24} />
              <YAxis yAxisId="rate" domain={[0, 1]} tickFormatter={pct} {...axis} />
              {/* Resolved counts fill the bottom third only: context, not the subject. */}
              <YAxis yAxisId="count" orientation="right" hide domain={[0, (max: number) => max * 3]} />
              <Tooltip {...tooltip} formatter={(v, name) => (name === 'Hit rate' ? formatPercent(Number(v)) : formatInteger(Number(v)))} />
              <ReferenceLine yAxisId="rate" y={0.5} stroke={colors.muted} strokeDasharray="4 4" />
              <Bar yAxisId="count" dataKey="resolved" name="Resolved" fill={colors.border} opacity={0.6} isAnimationActive={false} />
              <Line yAxisId="rate" dataKey="hitRate" name="Hit rate" stroke={colors['series-1']} dot={false} strokeWidth={1.6} isAnimationActive={false} />
            </ComposedChart>
          </ResponsiveContainer>
        </figure>
        <figure className="chart-card" aria-label="Calibration">
          <figcaption>
            Calibration · confidence vs. hit rate
            <br />
            Brier <strong>{formatScore(selected.brier)}</strong> · log loss <strong>{formatScore(selected.logLoss)}</strong> · coverage{' '}
            <strong>{formatPercent(selected.coverage)}</strong>
          </figcaption>
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart data={calibration} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
              <CartesianGrid stroke={colors.grid} />
              <XAxis type="number" dataKey="avgConfidence" domain={[0.4, 1]} tickFormatter={pct} {...axis} name="Confidence" />
              <YAxis type="number" dataKey="hitRate" domain={[0, 1]} tickFormatter={pct} {...axis} name="Hit rate" />
              <Tooltip {...tooltip} formatter={(v) => formatPercent(Number(v))} />
              <ReferenceLine
                segment={[
                  { x: 0.4, y: 0.4 },
                  { x: 1, y: 1 },
                ]}
                stroke={colors.muted}
                strokeDasharray="4 4"
                ifOverflow="hidden"
              />
              <Line dataKey="hitRate" name="Hit rate" stroke={colors['series-2']} strokeWidth={1.6} isAnimationActive={false} />
              <Scatter dataKey="hitRate" name="Bucket" fill={colors['series-2']} isAnimationActive={false} />
            </ComposedChart>
          </ResponsiveContainer>
        </figure>
        <figure className="chart-card" aria-label="Precision and recall by direction">
          <figcaption>Precision / recall by direction</figcaption>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={directions} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
              <CartesianGrid stroke={colors.grid} vertical={false} />
              <XAxis dataKey="direction" {...axis} />
              <YAxis domain={[0, 1]} tickFormatter={pct} {...axis} />
              <Tooltip {...tooltip} formatter={(v) => formatPercent(Number(v))} cursor={{ fill: colors.grid }} />
              <Legend wrapperStyle={{ fontSize: 11, color: colors.muted }} />
              <Bar dataKey="precision" name="Precision" fill={colors['series-1']} isAnimationActive={false} />
              <Bar dataKey="recall" name="Recall" fill={colors['series-5']} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </figure>
      </div>
    </div>
  );
}
