// The bars behind the chart. Live mode: the newest page first, older pages on demand as the
// analyst pans left, and a small "tail" query of the newest bars that live `bar.upserted` events
// patch in place (polled only while the live stream is down), so new bars appear without a reload. Range
// mode (a date range is set): exactly the bars in that range. The paging rules themselves are
// plain functions in series-pages.ts.
import { useEffect, useMemo } from 'react';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import type { UTCTimestamp } from 'lightweight-charts';
import { ROW_LIMITS, withinLimit } from '../../../server/shared/limits';
import type { BarUpsertedPayload } from '../../../server/events/schema';
import { useLiveEvents } from '../app/live';
import type { DateRange, Timeframe } from '../app/workspace-state';
import { useTRPC, useTRPCClient, type RouterOutputs } from '../trpc';
import { fromChartTime, toChartTime } from './chart-time';
import { applyLiveBar, joinPages, mergeTail, olderPageRequest, pageSpans, tailLeavesGap, type BarPageRequest, type Span } from './series-pages';

type BarRow = RouterOutputs['marketData']['bars']['data'][number];

export interface ChartBar {
  /** Chart time (ET wall clock as UTC seconds, see chart-time.ts). */
  time: UTCTimestamp;
  /** The bar's start instant, ms since epoch. */
  ms: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** The first page is small (fast first paint); older pages double the load (see olderPageRequest). */
const FIRST_PAGE = withinLimit(5000, ROW_LIMITS.bars.max);
export const TAIL_SIZE = withinLimit(200, ROW_LIMITS.bars.max);
const TAIL_POLL_MS = 15_000;

// Rows become chart bars once per page, not on every render (pages are immutable).
const converted = new WeakMap<readonly BarRow[], ChartBar[]>();
function toChartBars(rows: readonly BarRow[]): ChartBar[] {
  let bars = converted.get(rows);
  if (!bars) {
    bars = rows.map((r) => {
      const ms = Date.parse(r.timestamp);
      return { time: toChartTime(ms), ms, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume };
    });
    converted.set(rows, bars);
  }
  return bars;
}

/** An ET session date ("2026-03-02") -> the instant its day starts in New York. */
export const etDateStart = (date: string) => new Date(fromChartTime(Date.parse(`${date}T00:00:00Z`) / 1000));

export function useBarHistory(ticker: string, timeframe: Timeframe, range: DateRange | null) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const live = range === null;
  const series = { ticker, timeframe };

  const history = useInfiniteQuery({
    queryKey: [...trpc.marketData.bars.queryKey(series), 'history'],
    queryFn: ({ pageParam, signal }) => client.marketData.bars.query({ ...series, ...pageParam }, { signal }),
    initialPageParam: { limit: FIRST_PAGE } as BarPageRequest,
    getNextPageParam: (last, pages, lastParam) =>
      olderPageRequest(last.data, lastParam, pages.reduce((n, p) => n + p.data.length, 0), ROW_LIMITS.bars.max),
    staleTime: Infinity, // freshness comes from the tail query
    // Pages never change once loaded; deep-comparing 100k bars on every new page costs seconds.
    structuralSharing: false,
    enabled: live,
  });

  const queryClient = useQueryClient();
  const tailInput = { ...series, limit: TAIL_SIZE };
  const streaming = useLiveEvents(live ? [`bars:${ticker}:${timeframe}`] : [], (event) => {
    const key = trpc.marketData.bars.queryKey(tailInput);
    const current = queryClient.getQueryData(key);
    const patched = current && applyLiveBar(current.data, event.payload as unknown as BarUpsertedPayload);
    if (current && patched) queryClient.setQueryData(key, { ...current, data: patched, count: patched.length });
    else void queryClient.invalidateQueries({ queryKey: key });
  });
  const tail = useQuery(
    trpc.marketData.bars.queryOptions(tailInput, { enabled: live && history.isSuccess, refetchInterval: streaming ? false : TAIL_POLL_MS, staleTime: streaming ? Infinity : 0 }),
  );

  const bounds = range ? rangeSpan(range) : { from: 0, to: 1 };
  const ranged = useQuery(
    trpc.marketData.range.queryOptions(
      { ...series, from: new Date(bounds.from), to: new Date(bounds.to) },
      { enabled: !live },
    ),
  );

  const pages = history.data?.pages;
  const pageBars = useMemo(() => pages?.map((p) => toChartBars(p.data)) ?? [], [pages]);
  const loaded = useMemo(() => joinPages(pageBars), [pageBars]);
  const tailBars = tail.data && toChartBars(tail.data.data);
  const rangeRows = ranged.data?.data;
  const bars = useMemo(() => {
    if (!live) return rangeRows ? toChartBars(rangeRows) : [];
    return tailBars ? mergeTail(loaded, tailBars) : loaded;
  }, [live, loaded, tailBars, rangeRows]);

  // The tail no longer overlaps the loaded bars: reload the pages (from the newest) so none is missing.
  const gap = live && tailBars !== undefined && tailLeavesGap(loaded, tailBars);
  const { isFetching, refetch } = history;
  useEffect(() => {
    if (gap && !isFetching) void refetch();
  }, [gap, isFetching, refetch]);

  // What the overlays (indicators) load alongside: one stretch per loaded page, or the range.
  const spans = useMemo<Span[]>(() => (live ? pageSpans(pageBars) : range ? [rangeSpan(range)] : []), [live, pageBars, range]);

  const active = live ? history : ranged;
  return {
    bars,
    spans,
    isPending: active.isPending,
    error: active.error,
    retry: () => void active.refetch(),
    hasOlder: live && history.hasNextPage,
    isLoadingOlder: history.isFetchingNextPage,
    loadOlder: () => {
      if (live && history.hasNextPage && !history.isFetchingNextPage) void history.fetchNextPage();
    },
  };
}

/** A range of session dates as instants: from the first session's New York midnight to the day after the last. */
function rangeSpan(range: DateRange): Span {
  return { from: etDateStart(range.from).getTime(), to: etDateStart(nextDay(range.to)).getTime() };
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
