// What the chart draws on top of the bars: indicator values from the stored features, the
// predictions of one model as markers, and data gaps from the server's calendar-aware gap report.
// All follow the loaded bars, so panning back in time brings their history along.
import { keepPreviousData, useQueries, useQuery, type QueryObserverResult } from '@tanstack/react-query';
import { useMemo } from 'react';
import { GAP_REPORT_MAX_DAYS, ROW_LIMITS } from '../../../server/shared/limits';
import { TIMEFRAME_MINUTES, type Timeframe } from '../app/workspace-state';
import { formatMarketTime } from '../app/format';
import { useTRPC, useTRPCClient, type RouterOutputs } from '../trpc';
import { toChartTime } from './chart-time';
import { columnsOf, type Indicator } from './indicators';
import type { FeatureSeries } from './PriceChart';
import type { GapBand, PredictionMarker } from './primitives';
import { joinPages, mergeTail, nextSpanPageFrom, type Span } from './series-pages';
import { etDateStart, TAIL_SIZE, type ChartBar } from './useBarHistory';

const LIVE_REFRESH_MS = 60_000;

type FeatureRow = RouterOutputs['features']['list']['data'][number];
interface TimedFeatureRow {
  ms: number;
  row: FeatureRow;
}
const timed = (rows: readonly FeatureRow[]): TimedFeatureRow[] => rows.map((row) => ({ ms: Date.parse(row.timestamp), row }));

/** Every span's rows (undefined until all are there), the first error. Only references: cheap to share structurally. */
function combineSpans(results: QueryObserverResult<TimedFeatureRow[]>[]) {
  return {
    pages: results.length > 0 && results.every((r) => r.data) ? results.map((r) => r.data!) : undefined,
    error: results.find((r) => r.error)?.error ?? null,
    isLoading: results.some((r) => r.isLoading),
  };
}

/**
 * Indicator values for the loaded bars: one request per span of bars (a loaded page, or the date
 * range), read forward in pages of the server's limit; spans never change once loaded. Live, the
 * newest rows are polled like the bars' tail, so values for new bars appear.
 */
export function useFeatureSeries(ticker: string, timeframe: Timeframe, spans: readonly Span[], indicators: readonly Indicator[], live: boolean) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const columnList = columnsOf(indicators);
  // A new array each render; its joined form is the stable key.
  const columns = columnList.join(',');
  const series = { ticker, timeframe, columns };
  const enabled = columns !== '';

  const stored = useQueries({
    queries: spans.map((span) => ({
      queryKey: [...trpc.features.list.queryKey({ ...series, from: new Date(span.from), to: new Date(span.to) }), 'span'],
      queryFn: async ({ signal }: { signal: AbortSignal }) => {
        const rows: TimedFeatureRow[] = [];
        let from: Date | undefined = new Date(span.from);
        while (from) {
          const page = await client.features.list.query({ ...series, from, to: new Date(span.to), limit: ROW_LIMITS.features.max }, { signal });
          for (const row of timed(page.data)) rows.push(row);
          from = nextSpanPageFrom(page.data, ROW_LIMITS.features.max);
        }
        return rows;
      },
      enabled,
      staleTime: Infinity,
      // A span's rows never change; deep-comparing 50,000 rows on a refetch costs seconds.
      structuralSharing: false,
    })),
    combine: combineSpans,
  });
  const tail = useQuery(
    trpc.features.list.queryOptions({ ...series, limit: TAIL_SIZE }, { enabled: enabled && live && spans.length > 0, refetchInterval: LIVE_REFRESH_MS }),
  );
  const tailRows = tail.data?.data;

  const rows = useMemo(() => {
    if (!stored.pages) return undefined;
    const loaded = joinPages(stored.pages);
    return tailRows ? mergeTail(loaded, timed(tailRows)) : loaded;
  }, [stored.pages, tailRows]);
  const featureSeries = useMemo<FeatureSeries | null>(() => {
    if (!rows || !enabled) return null;
    const values: FeatureSeries['values'] = {};
    for (const column of columnList) values[column] = rows.map(({ row }) => (row[column] as number | null | undefined) ?? null);
    return { times: rows.map(({ ms }) => toChartTime(ms)), values };
  }, [rows, columns]);
  return {
    series: featureSeries,
    error: stored.error ?? tail.error,
    isLoading: stored.isLoading || tail.isLoading,
    isEmpty: enabled && rows?.length === 0,
  };
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
        const result = await client.predictions.list.query({ ...filter, limit: ROW_LIMITS.keysetPage.max, cursor }, { signal });
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
  return { markers, count: rows?.length ?? 0, error: query.error, isLoading: query.isLoading };
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

/**
 * The longest span one gap report may cover, less a day: the ET dates of two instants N × 24 h
 * apart can be N + 1 days apart across a DST change. Longer spans show their newest part.
 */
const reportDays = (timeframe: Timeframe) => GAP_REPORT_MAX_DAYS[timeframe === '1d' ? 'daily' : 'intraday'] - 1;

export function useGapBands(ticker: string, timeframe: Timeframe, bars: readonly ChartBar[], enabled: boolean) {
  const trpc = useTRPC();
  const first = bars[0]?.ms;
  const last = bars.at(-1)?.ms;
  const from = first === undefined || last === undefined ? 0 : Math.max(first, last - reportDays(timeframe) * 86_400_000);
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
  return { bands, error: query.error, isLoading: query.isLoading };
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
