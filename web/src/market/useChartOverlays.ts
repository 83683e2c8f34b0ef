// What the chart draws on top of the bars: indicator values from the stored features, the
// predictions of one model as markers, and data gaps from the server's calendar-aware gap report.
// All follow the loaded bar span, so panning back in time brings their history along.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { TIMEFRAME_MINUTES, type Timeframe } from '../app/workspace-state';
import { formatMarketTime } from '../app/format';
import { useTRPC, useTRPCClient, type RouterOutputs } from '../trpc';
import { toChartTime } from './chart-time';
import { columnsOf, type Indicator } from './indicators';
import type { FeatureSeries } from './PriceChart';
import type { GapBand, PredictionMarker } from './primitives';
import { etDateStart, type ChartBar } from './useBarHistory';

const LIVE_REFRESH_MS = 60_000;
const MAX_FEATURE_ROWS = 100_000;

export function useFeatureSeries(ticker: string, timeframe: Timeframe, bars: readonly ChartBar[], indicators: readonly Indicator[], live: boolean) {
  const trpc = useTRPC();
  const columns = columnsOf(indicators);
  const first = bars[0]?.ms;
  const last = bars.at(-1)?.ms;
  // Live: everything from the oldest loaded bar on (the key changes only when older bars load).
  const query = useQuery(
    trpc.features.list.queryOptions(
      {
        ticker,
        timeframe,
        from: new Date(first ?? 0),
        to: live || last === undefined ? undefined : new Date(last + 1),
        limit: MAX_FEATURE_ROWS,
        columns: columns.join(','),
      },
      {
        enabled: columns.length > 0 && first !== undefined,
        placeholderData: keepPreviousData,
        refetchInterval: live ? LIVE_REFRESH_MS : false,
      },
    ),
  );
  // keepPreviousData bridges a page of older bars; data of another series must never show.
  const rows = query.data?.ticker === ticker && query.data.timeframe === timeframe ? query.data.data : undefined;
  const series = useMemo<FeatureSeries | null>(() => {
    if (!rows || columns.length === 0) return null;
    const values: FeatureSeries['values'] = {};
    for (const column of columns) values[column] = rows.map((row) => (row[column] as number | null | undefined) ?? null);
    return { times: rows.map((row) => toChartTime(Date.parse(row.timestamp))), values };
    // `columns` is a new array each render; its joined form is the stable dependency.
  }, [rows, columns.join(',')]);
  return { series, error: query.error, isEmpty: query.isSuccess && rows?.length === 0 };
}

type PredictionRow = RouterOutputs['predictions']['list']['predictions'][number];

const MAX_MARKER_PAGES = 5;

/** Predictions of `modelId` made while the loaded bars span, newest first, as chart markers. */
export function usePredictionMarkers(modelId: string | null, ticker: string, timeframe: Timeframe, bars: readonly ChartBar[], live: boolean) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const first = bars[0]?.ms;
  const last = bars.at(-1)?.ms;
  // A prediction is stamped at its bar's close, so the last bar's one falls before last + a bar.
  const to = live || last === undefined ? undefined : new Date(last + TIMEFRAME_MINUTES[timeframe] * 60_000);
  const filter = { ticker, timeframe, modelId: modelId ?? undefined, from: new Date(first ?? 0), to };
  const query = useQuery({
    queryKey: [...trpc.predictions.list.queryKey(filter), 'markers'],
    queryFn: async ({ signal }) => {
      const rows: PredictionRow[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_MARKER_PAGES; page++) {
        const result = await client.predictions.list.query({ ...filter, limit: 1000, cursor }, { signal });
        rows.push(...result.predictions);
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      return { modelId, rows };
    },
    enabled: modelId !== null && first !== undefined,
    placeholderData: keepPreviousData,
    refetchInterval: live ? LIVE_REFRESH_MS : false,
  });

  const rows = query.data?.modelId === modelId ? query.data.rows : undefined;
  const markers = useMemo(() => (rows ? toMarkers(rows, bars) : []), [rows, bars]);
  return { markers, count: rows?.length ?? 0, error: query.error };
}

/** Each prediction sits on the bar whose close it was made at: the last bar starting before it. */
function toMarkers(rows: readonly PredictionRow[], bars: readonly ChartBar[]): PredictionMarker[] {
  const markers: PredictionMarker[] = [];
  for (const p of rows) {
    const index = lastBarBefore(bars, Date.parse(p.predictionTime));
    const bar = bars[index];
    if (!bar) continue;
    markers.push({
      index,
      direction: p.direction,
      outcome: p.correct === null ? 'pending' : p.correct ? 'correct' : 'wrong',
      high: bar.high,
      low: bar.low,
    });
  }
  return markers;
}

/** The gap report covers at most ~13 months of intraday bars; longer spans show their newest part. */
const MAX_INTRADAY_REPORT_DAYS = 390;

export function useGapBands(ticker: string, timeframe: Timeframe, bars: readonly ChartBar[], enabled: boolean) {
  const trpc = useTRPC();
  const first = bars[0]?.ms;
  const last = bars.at(-1)?.ms;
  const from = first === undefined || last === undefined ? 0 : timeframe === '1d' ? first : Math.max(first, last - MAX_INTRADAY_REPORT_DAYS * 86_400_000);
  const query = useQuery(
    trpc.ingestion.validate.queryOptions(
      { ticker, timeframe, from: formatMarketTime(from, true), to: formatMarketTime(last ?? 0, true) },
      { enabled: enabled && last !== undefined, staleTime: 5 * 60_000, placeholderData: keepPreviousData },
    ),
  );
  const report = query.data?.report.ticker === ticker && query.data.report.timeframe === timeframe ? query.data.report : undefined;
  const bands = useMemo<GapBand[]>(() => {
    if (!report) return [];
    const outages = report.outages.map((o) => ({ at: Date.parse(o.start), label: `${o.minutes} min outage ${o.startLocal}` }));
    // A missing session's band sits after the last bar before its New York midnight.
    const sessions = report.missingSessions.map((date) => ({ at: etDateStart(date).getTime(), label: `no data on ${date}` }));
    return [...outages, ...sessions]
      .map((g) => ({ afterIndex: lastBarBefore(bars, g.at), label: g.label }))
      .filter((g) => g.afterIndex >= 0 && g.afterIndex < bars.length - 1);
  }, [report, bars]);
  return { bands, error: query.error };
}

function lastBarBefore(bars: readonly ChartBar[], ms: number): number {
  let lo = 0;
  let hi = bars.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (bars[mid]!.ms < ms) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
