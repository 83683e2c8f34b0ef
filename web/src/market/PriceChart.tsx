// The price chart: candles + volume on the main pane, indicator overlays and oscillator panes,
// prediction markers and gap bands, an OHLCV legend that follows the crosshair, and a callback
// when the analyst pans close to the oldest loaded bar (the caller loads the previous page).
import { useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type LogicalRange,
  type SeriesType,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { FeatureColumnName } from '../../../server/features/indicators/catalog';
import { cssVar, useThemeColors } from '../app/theme-colors';
import { ChartLegend, PaneLegend } from './ChartLegend';
import type { Indicator } from './indicators';
import { GapBands, PredictionMarkers, type GapBand, type PredictionMarker } from './primitives';
import type { ChartBar } from './useBarHistory';

export interface FeatureSeries {
  times: UTCTimestamp[];
  values: Partial<Record<FeatureColumnName, (number | null)[]>>;
}

interface PriceChartProps {
  /** Changes when the series changes (ticker, timeframe, range): the view resets. */
  seriesKey: string;
  bars: ChartBar[];
  indicators: readonly Indicator[];
  features: FeatureSeries | null;
  markers: PredictionMarker[];
  gaps: GapBand[];
  dateOnly: boolean;
  onNearLeftEdge: () => void;
  label: string;
}

/** Bars shown when a series first opens: recent enough to read, with room to pan back. */
const INITIAL_VISIBLE_BARS = 160;
/** Load the previous page while at least this many screens of bars are still left of the view. */
const LOAD_AHEAD_SCREENS = 2;

const PALETTE = ['up', 'down', 'up-soft', 'down-soft', 'muted', 'grid', 'border', 'panel', 'gap'] as const;

interface IndicatorSeries {
  indicator: Indicator;
  series: ISeriesApi<SeriesType>[];
}

export function PriceChart({ seriesKey, bars, indicators, features, markers, gaps, dateOnly, onNearLeftEdge, label }: PriceChartProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<{
    chart: IChartApi;
    candles: ISeriesApi<'Candlestick'>;
    volume: ISeriesApi<'Histogram'>;
    gapBands: GapBands;
    predictionMarkers: PredictionMarkers;
  } | null>(null);
  const palette = useThemeColors(PALETTE);
  const shown = useRef<{ key: string; bars: ChartBar[]; palette?: typeof palette }>({ key: '', bars: [] });
  const indicatorSeries = useRef<IndicatorSeries[]>([]);
  const [hoverIndex, setHoverIndex] = useState<number | null>(null);
  // The <td> of each pane: oscillator legends are portalled into their pane so they follow it.
  const [paneCells, setPaneCells] = useState<(Element | null)[]>([]);
  const nearLeftEdge = useRef(onNearLeftEdge);
  nearLeftEdge.current = onNearLeftEdge;

  // Create the chart once; everything else updates it in place.
  useEffect(() => {
    const container = containerRef.current!;
    const chart = createChart(container, {
      autoSize: true,
      crosshair: { mode: CrosshairMode.Normal },
      timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 6, minBarSpacing: 0.5 },
      rightPriceScale: { scaleMargins: { top: 0.08, bottom: 0.22 } },
      layout: { attributionLogo: false, fontSize: 11, panes: { enableResize: true } },
    });
    const candles = chart.addSeries(CandlestickSeries, { borderVisible: false, priceLineWidth: 1 });
    const volume = chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    const gapBands = new GapBands();
    const predictionMarkers = new PredictionMarkers();
    candles.attachPrimitive(gapBands);
    candles.attachPrimitive(predictionMarkers);
    chartRef.current = { chart, candles, volume, gapBands, predictionMarkers };

    chart.subscribeCrosshairMove((param) => setHoverIndex(param.logical ?? null));
    const onRange = (range: LogicalRange | null) => {
      if (range && range.from < (range.to - range.from) * LOAD_AHEAD_SCREENS && shown.current.bars.length > 0) nearLeftEdge.current();
    };
    chart.timeScale().subscribeVisibleLogicalRangeChange(onRange);
    return () => {
      chart.remove();
      chartRef.current = null;
      shown.current = { key: '', bars: [] };
      indicatorSeries.current = [];
    };
  }, []);

  useEffect(() => {
    const c = chartRef.current;
    if (!c) return;
    c.chart.applyOptions({
      layout: { background: { type: ColorType.Solid, color: palette.panel }, textColor: palette.muted, panes: { separatorColor: palette.border, separatorHoverColor: palette.muted } },
      grid: { vertLines: { color: palette.grid }, horzLines: { color: palette.grid } },
      rightPriceScale: { borderColor: palette.border },
      timeScale: { borderColor: palette.border },
      crosshair: { vertLine: { labelBackgroundColor: palette.border }, horzLine: { labelBackgroundColor: palette.border } },
    });
    c.candles.applyOptions({ upColor: palette.up, downColor: palette.down, wickUpColor: palette.up, wickDownColor: palette.down });
  }, [palette]);

  // Bars: full reset for a new series, a shifted view when older bars were prepended, and
  // in-place updates when only the newest bars changed (the live tail).
  useEffect(() => {
    const c = chartRef.current;
    if (!c) return;
    const previous = shown.current;
    const volumeOf = (b: ChartBar) => ({ time: b.time, value: b.volume, color: b.close >= b.open ? palette['up-soft'] : palette['down-soft'] });
    const setAll = () => {
      c.candles.setData(bars);
      c.volume.setData(bars.map(volumeOf));
    };

    if (previous.key !== seriesKey || previous.bars.length === 0) {
      setAll();
      if (bars.length > 0) {
        if (dateOnly || bars.length <= INITIAL_VISIBLE_BARS) c.chart.timeScale().fitContent();
        else c.chart.timeScale().setVisibleLogicalRange({ from: bars.length - INITIAL_VISIBLE_BARS, to: bars.length + 4 });
      }
    } else if (previous.palette !== palette) {
      setAll(); // volume colours follow the theme
    } else if (bars[0] && previous.bars[0] && bars[0].ms < previous.bars[0].ms) {
      const added = bars.findIndex((b) => b.ms === previous.bars[0]!.ms);
      const range = c.chart.timeScale().getVisibleLogicalRange();
      setAll();
      if (range && added > 0) c.chart.timeScale().setVisibleLogicalRange({ from: range.from + added, to: range.to + added });
    } else {
      const firstChanged = firstDifference(previous.bars, bars);
      if (firstChanged >= previous.bars.length - 1 && firstChanged >= 0) {
        for (const bar of bars.slice(firstChanged)) {
          c.candles.update(bar);
          c.volume.update(volumeOf(bar));
        }
      } else if (firstChanged !== -1) {
        setAll();
      }
    }
    shown.current = { key: seriesKey, bars, palette };
  }, [seriesKey, bars, palette, dateOnly]);

  // Indicators: rebuilt when the selection (keyed by ids, not the array) or the theme changes,
  // since panes renumber and colours are baked in; data is refreshed in place.
  const indicatorIds = indicators.map((i) => i.id).join(',');
  useEffect(() => {
    const c = chartRef.current;
    if (!c) return;
    for (const entry of indicatorSeries.current) for (const s of entry.series) c.chart.removeSeries(s);
    let nextPane = 1;
    indicatorSeries.current = indicators.map((indicator) => {
      const paneIndex = indicator.pane === 'price' ? 0 : nextPane++;
      const series = indicator.lines.map((line) => {
        const color = cssVar(line.color);
        const common = { color, lastValueVisible: indicator.pane === 'own', priceLineVisible: false, priceScaleId: indicator.pane === 'price' ? 'right' : undefined };
        return line.kind === 'histogram'
          ? c.chart.addSeries(HistogramSeries, common, paneIndex)
          : c.chart.addSeries(LineSeries, { ...common, lineWidth: 1, crosshairMarkerVisible: false }, paneIndex);
      });
      for (const level of indicator.levels ?? []) {
        series[0]?.createPriceLine({ price: level, color: palette.muted, lineWidth: 1, lineStyle: 2, axisLabelVisible: false, title: '' });
      }
      return { indicator, series };
    });
    for (const pane of c.chart.panes().slice(1)) pane.setStretchFactor(0.35);
    // The chart creates pane elements on its next frame.
    const frame = requestAnimationFrame(() => setPaneCells(c.chart.panes().map((p) => p.getHTMLElement()?.children[1] ?? null)));
    return () => cancelAnimationFrame(frame);
  }, [indicatorIds, palette]);

  useEffect(() => {
    for (const { indicator, series } of indicatorSeries.current) {
      indicator.lines.forEach((line, i) => {
        const values = features?.values[line.column];
        const data = [];
        if (features && values) {
          for (let k = 0; k < features.times.length; k++) {
            const value = values[k];
            if (value != null) data.push({ time: features.times[k]!, value });
          }
        }
        series[i]?.setData(data);
      });
    }
  }, [features, indicatorIds, palette]);

  useEffect(() => {
    chartRef.current?.gapBands.set(gaps, palette.gap);
  }, [gaps, palette]);

  useEffect(() => {
    chartRef.current?.predictionMarkers.set(markers, { pending: palette.muted, correct: palette.up, wrong: palette.down });
  }, [markers, palette]);

  // Legend values: the bar under the crosshair, else the newest bar.
  const index = hoverIndex !== null && hoverIndex >= 0 && hoverIndex < bars.length ? Math.round(hoverIndex) : bars.length - 1;
  const bar = bars[index] ?? null;
  const featureIndex = useMemo(() => new Map(features?.times.map((t, i) => [t, i]) ?? []), [features]);
  const valueAt = (column: FeatureColumnName) => {
    const k = bar ? featureIndex.get(bar.time) : undefined;
    return k === undefined ? null : (features?.values[column]?.[k] ?? null);
  };

  return (
    <div className="chart" role="region" aria-label={label}>
      <div ref={containerRef} className="chart-canvas" />
      <ChartLegend bar={bar} previous={bars[index - 1] ?? null} dateOnly={dateOnly} overlays={indicators.filter((i) => i.pane === 'price')} valueAt={valueAt} />
      {indicators
        .filter((i) => i.pane === 'own')
        .map((indicator, i) => {
          const cell = paneCells[i + 1];
          return cell ? createPortal(<PaneLegend indicator={indicator} valueAt={valueAt} />, cell, indicator.id) : null;
        })}
    </div>
  );
}

/** Index of the first bar that differs between two series views, or -1 when they are equal. */
function firstDifference(a: readonly ChartBar[], b: readonly ChartBar[]): number {
  // Only the tail can change in place; compare from shortly before the old end.
  const start = Math.max(0, a.length - 500);
  if (b.length < a.length || (a[start] && b[start]?.ms !== a[start]!.ms)) return 0;
  for (let i = start; i < b.length; i++) {
    const x = a[i];
    const y = b[i]!;
    if (!x || x.ms !== y.ms || x.open !== y.open || x.high !== y.high || x.low !== y.low || x.close !== y.close || x.volume !== y.volume) return i;
  }
  return -1;
}
