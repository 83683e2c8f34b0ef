// The indicators the chart offers, each drawn from stored feature columns: overlays share the
// price pane, oscillators get a pane of their own. Colours are theme variables.
import type { FeatureColumnName } from '../../../server/features/indicators/catalog';

interface IndicatorLine {
  column: FeatureColumnName;
  label: string;
  color: `--${string}`;
  kind?: 'line' | 'histogram';
}

export interface Indicator {
  id: string;
  label: string;
  /** Prefix of each line's legend label when an indicator draws several lines. */
  short?: string;
  pane: 'price' | 'own';
  lines: readonly IndicatorLine[];
  /** Horizontal reference levels (RSI 30/70, stochastic 20/80). */
  levels?: readonly number[];
}

export const INDICATORS: readonly Indicator[] = [
  { id: 'sma20', label: 'SMA 20', pane: 'price', lines: [{ column: 'sma_20', label: 'SMA 20', color: '--series-1' }] },
  { id: 'sma50', label: 'SMA 50', pane: 'price', lines: [{ column: 'sma_50', label: 'SMA 50', color: '--series-2' }] },
  { id: 'sma200', label: 'SMA 200', pane: 'price', lines: [{ column: 'sma_200', label: 'SMA 200', color: '--series-3' }] },
  { id: 'ema12', label: 'EMA 12', pane: 'price', lines: [{ column: 'ema_12', label: 'EMA 12', color: '--series-4' }] },
  { id: 'ema26', label: 'EMA 26', pane: 'price', lines: [{ column: 'ema_26', label: 'EMA 26', color: '--series-5' }] },
  {
    id: 'bb',
    label: 'Bollinger Bands',
    short: 'BB',
    pane: 'price',
    lines: [
      { column: 'bb_upper', label: 'Upper', color: '--series-3' },
      { column: 'bb_middle', label: 'Middle', color: '--faint' },
      { column: 'bb_lower', label: 'Lower', color: '--series-3' },
    ],
  },
  { id: 'rsi', label: 'RSI 14', pane: 'own', lines: [{ column: 'rsi_14', label: 'RSI', color: '--series-3' }], levels: [30, 70] },
  {
    id: 'macd',
    label: 'MACD',
    pane: 'own',
    lines: [
      { column: 'macd_hist', label: 'Hist', color: '--faint', kind: 'histogram' },
      { column: 'macd', label: 'MACD', color: '--series-1' },
      { column: 'macd_signal', label: 'Signal', color: '--series-5' },
    ],
  },
  {
    id: 'stoch',
    label: 'Stochastic',
    pane: 'own',
    lines: [
      { column: 'stoch_k', label: '%K', color: '--series-1' },
      { column: 'stoch_d', label: '%D', color: '--series-5' },
    ],
    levels: [20, 80],
  },
  { id: 'atr', label: 'ATR 14', pane: 'own', lines: [{ column: 'atr_14', label: 'ATR', color: '--series-4' }] },
  { id: 'obv', label: 'OBV', pane: 'own', lines: [{ column: 'obv', label: 'OBV', color: '--series-2' }] },
];

export const indicatorById = new Map(INDICATORS.map((i) => [i.id, i]));

/** Every feature column the given indicators need, for one features.range call. */
export function columnsOf(indicators: readonly Indicator[]): FeatureColumnName[] {
  return [...new Set(indicators.flatMap((i) => i.lines.map((l) => l.column)))];
}
