// The centre panel: the selected series' chart with its header (last price, indicator menu,
// prediction model, gap toggle) and the loading / empty / error states around it.
import { useMemo, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { formatPercent, formatPrice, formatSigned, trendClass } from '../app/format';
import { PanelHeader } from '../app/PanelHeader';
import { isBoolean, isString, isStringArray, usePersistentState } from '../app/persisted';
import { Empty, ErrorState, Loading } from '../app/states';
import { useWorkspace } from '../app/workspace-state';
import { MissingScope, useSession } from '../auth/session';
import { useTRPC } from '../trpc';
import { IndicatorMenu } from './IndicatorMenu';
import { indicatorById, type Indicator } from './indicators';
import { PriceChart } from './PriceChart';
import type { GapBand } from './primitives';
import { useBarHistory } from './useBarHistory';
import { useFeatureSeries, useGapBands, usePredictionMarkers } from './useChartOverlays';
import './chart.css';

/** Marker source: the series' active model, a chosen model id, or none. */
const ACTIVE_MODEL = 'active';
const NO_MODEL = 'off';
const NO_GAPS: GapBand[] = [];

export function ChartPanel() {
  if (useSession().can('market:read')) return <MarketChart />;
  return (
    <section className="panel chart-panel" aria-label="Chart">
      <PanelHeader title={<ChartTitle />} />
      <div className="panel-body chart-body">
        <MissingScope scope="market:read" what="The chart" />
      </div>
    </section>
  );
}

/** The series (ticker, timeframe badge), then what the chart knows about it. */
function ChartTitle({ children }: { children?: ReactNode }) {
  const { ticker, timeframe } = useWorkspace();
  return (
    <span className="chart-title">
      <span className="chart-ticker">{ticker}</span>
      <span className="badge">{timeframe}</span>
      {children}
    </span>
  );
}

function MarketChart() {
  const trpc = useTRPC();
  const { can } = useSession();
  const { ticker, timeframe, range } = useWorkspace();
  const [indicatorIds, setIndicatorIds] = usePersistentState<string[]>('qb.indicators', ['sma20', 'sma50'], isStringArray);
  const [markerSource, setMarkerSource] = usePersistentState('qb.markers', ACTIVE_MODEL, isString);
  const [showGaps, setShowGaps] = usePersistentState('qb.gaps', true, isBoolean);
  const indicators = useMemo(() => indicatorIds.map((id) => indicatorById.get(id)).filter((i): i is Indicator => i !== undefined), [indicatorIds]);
  const live = range === null;

  const history = useBarHistory(ticker, timeframe, range);
  const { bars } = history;
  const features = useFeatureSeries(ticker, timeframe, history.spans, indicators, live);

  const canSeePredictions = can('predictions:read');
  const models = useQuery(trpc.models.list.queryOptions({ ticker, timeframe }, { enabled: canSeePredictions, staleTime: 60_000 }));
  const modelList = models.data?.models ?? [];
  const markerModelId =
    markerSource === NO_MODEL || !canSeePredictions
      ? null
      : markerSource === ACTIVE_MODEL
        ? (modelList.find((m) => m.isActive)?.id ?? null)
        : (modelList.find((m) => m.id === markerSource)?.id ?? null);
  const predictions = usePredictionMarkers(markerModelId, ticker, timeframe, bars, live);
  const gaps = useGapBands(ticker, timeframe, bars, showGaps);
  // Busy until the overlays are drawn too, so nothing (a test, a screen reader) takes the chart as settled early.
  const overlaysLoading = features.isLoading || predictions.isLoading || gaps.isLoading;

  const last = bars.at(-1);
  const previous = bars.at(-2);
  const change = last && previous ? last.close - previous.close : null;

  return (
    <section className="panel chart-panel" aria-label="Chart">
      <PanelHeader
        title={
          <ChartTitle>
            {last && (
              <span className="num chart-last" aria-label="Last price">
                {formatPrice(last.close)}
              </span>
            )}
            {change !== null && previous && (
              <span className={`num ${trendClass(change)}`}>
                {formatSigned(change)} {formatSigned(change / previous.close, (v) => formatPercent(v, 2))}
              </span>
            )}
            {history.isLoadingOlder && <span className="muted chart-note">loading older bars…</span>}
          </ChartTitle>
        }
      >
        {showGaps && gaps.bands.length > 0 && (
          <span className="badge accent" title={gaps.bands.map((g) => g.label).join('\n')}>
            {gaps.bands.length} gaps
          </span>
        )}
        <IndicatorMenu selected={indicatorIds} onChange={setIndicatorIds} />
        {canSeePredictions && (
          <label className="field inline">
            <span className="visually-hidden">Prediction markers</span>
            <select className="select" aria-label="Prediction markers" value={markerSource} onChange={(e) => setMarkerSource(e.target.value)}>
              <option value={ACTIVE_MODEL}>Predictions: active model</option>
              {modelList.map((m) => (
                <option key={m.id} value={m.id}>
                  Predictions: {m.name} {m.version}
                </option>
              ))}
              <option value={NO_MODEL}>Predictions: off</option>
            </select>
          </label>
        )}
        <button type="button" className="btn small" aria-pressed={showGaps} onClick={() => setShowGaps(!showGaps)} title="Shade missing data">
          Gaps
        </button>
      </PanelHeader>
      <div className="panel-body chart-body" aria-busy={overlaysLoading || history.isLoadingOlder}>
        {history.isPending ? (
          <Loading label={`Loading ${ticker} ${timeframe}`} />
        ) : history.error ? (
          <ErrorState error={history.error} retry={history.retry} />
        ) : bars.length === 0 ? (
          <Empty>
            No {timeframe} bars for {ticker}
            {range ? ` between ${range.from} and ${range.to}` : ''}.
          </Empty>
        ) : (
          <PriceChart
            seriesKey={`${ticker}|${timeframe}|${range?.from ?? ''}|${range?.to ?? ''}`}
            bars={bars}
            indicators={indicators}
            features={features.series}
            markers={predictions.markers}
            gaps={showGaps ? gaps.bands : NO_GAPS}
            dateOnly={timeframe === '1d'}
            onNearLeftEdge={history.loadOlder}
            label={`${ticker} ${timeframe} price chart`}
          />
        )}
        {(features.error || predictions.error) && (
          <div className="chart-warning" role="alert" data-state="error">
            {features.error ? 'Indicators could not be loaded.' : 'Predictions could not be loaded.'}
          </div>
        )}
        {features.isEmpty && indicators.length > 0 && (
          <div className="chart-warning muted" role="status">
            No indicator values stored for {ticker} {timeframe} yet.
          </div>
        )}
      </div>
      {markerModelId && predictions.count > 0 && (
        <footer className="chart-footer">
          <span className="marker-key">
            <span className="marker hollow" aria-hidden="true" /> pending
          </span>
          <span className="marker-key">
            <span className="marker up" aria-hidden="true" /> right
          </span>
          <span className="marker-key">
            <span className="marker down" aria-hidden="true" /> wrong
          </span>
          <span className="muted">{predictions.count} predictions in view</span>
        </footer>
      )}
    </section>
  );
}
