// The bars behind the chart. Live mode: the newest page first, older pages on demand as the
// analyst pans left, and a small "tail" query polled so new bars appear without a reload. Range
// mode (a date range is set): exactly the bars in that range.
import { useMemo } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { UTCTimestamp } from 'lightweight-charts';
import type { DateRange, Timeframe } from '../app/workspace-state';
import { useTRPC, useTRPCClient, type RouterOutputs } from '../trpc';
import { fromChartTime, toChartTime } from './chart-time';

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

/**
 * The first page is small (fast first paint); each older page is as large as everything loaded so
 * far. The chart re-lays out all bars on every page (lightweight-charts cannot prepend), so
 * doubling keeps a year of 1m bars (~100k) to five loads instead of twenty.
 */
const FIRST_PAGE = 5000;
const MAX_PAGE = 50_000;
const TAIL_SIZE = 200;
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

/** Appends `tail` to `history`, replacing the overlap (the newest bar may have changed). */
function mergeTail(history: ChartBar[], tail: ChartBar[]): ChartBar[] {
  const first = tail[0];
  if (!first) return history;
  let cut = history.length;
  while (cut > 0 && history[cut - 1]!.ms >= first.ms) cut--;
  return [...history.slice(0, cut), ...tail];
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
    initialPageParam: { limit: FIRST_PAGE } as { limit: number; endDate?: Date },
    // Next page = the bars strictly before the oldest one we have (endDate is inclusive).
    getNextPageParam: (last, pages, lastParam) =>
      last.data.length < lastParam.limit
        ? undefined
        : {
            limit: Math.min(MAX_PAGE, pages.reduce((n, p) => n + p.data.length, 0)),
            endDate: new Date(Date.parse(last.data[0]!.timestamp) - 1),
          },
    staleTime: Infinity, // freshness comes from the tail query
    // Pages never change once loaded; deep-comparing 100k bars on every new page costs seconds.
    structuralSharing: false,
    enabled: live,
  });

  const tail = useQuery(
    trpc.marketData.bars.queryOptions({ ...series, limit: TAIL_SIZE }, { enabled: live && history.isSuccess, refetchInterval: TAIL_POLL_MS, staleTime: 0 }),
  );

  const ranged = useQuery(
    trpc.marketData.range.queryOptions(
      range
        ? { ...series, from: etDateStart(range.from), to: etDateStart(nextDay(range.to)) }
        : { ...series, from: new Date(0), to: new Date(1) },
      { enabled: !live },
    ),
  );

  const pages = history.data?.pages;
  const tailRows = tail.data?.data;
  const rangeRows = ranged.data?.data;
  const bars = useMemo(() => {
    if (!live) return rangeRows ? toChartBars(rangeRows) : [];
    if (!pages) return [];
    const all = pages.length === 1 ? toChartBars(pages[0]!.data) : pages.toReversed().flatMap((p) => toChartBars(p.data));
    return tailRows ? mergeTail(all, toChartBars(tailRows)) : all;
  }, [live, pages, tailRows, rangeRows]);

  const active = live ? history : ranged;
  return {
    bars,
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

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
