// How the chart pages through a series, as plain functions (useBarHistory and useFeatureSeries
// hold the queries): which page to ask for next, how loaded pages join into one series, and how
// the polled newest rows are laid over it. Rows are oldest first everywhere, as the API serves them.
import type { BarUpsertedPayload } from '../../../server/events/schema';
import type { BarRow } from '../../../server/market-data/schema';

/** A row stamped with its start instant (ms since epoch): a chart bar, a feature row. */
export interface Timed {
  ms: number;
}

/** A closed stretch of the series, [from, to) in ms since epoch. */
export interface Span {
  from: number;
  to: number;
}

/** Parameters of one marketData.bars page: the newest `limit` bars up to `endDate` (inclusive). */
export interface BarPageRequest {
  limit: number;
  endDate?: Date;
}

/**
 * The bars page before the loaded ones, or undefined at the start of the series (the last page
 * came back shorter than asked, or empty). It ends 1 ms before the oldest loaded bar, as endDate is
 * inclusive, and asks for as many bars as are loaded so far, up to `maxPage`: the chart re-lays out
 * all bars on every page, so doubling keeps a year of 1m bars (~100k) to a handful of loads.
 */
export function olderPageRequest(
  lastPage: readonly { timestamp: string }[],
  lastRequest: BarPageRequest,
  loadedRows: number,
  maxPage: number,
): BarPageRequest | undefined {
  const oldest = lastPage[0];
  if (!oldest || lastPage.length < lastRequest.limit) return undefined;
  return { limit: Math.min(maxPage, loadedRows), endDate: new Date(Date.parse(oldest.timestamp) - 1) };
}

/**
 * Where the next page of a span read forward (`from` inclusive) starts: 1 ms after the newest row
 * of a full page; undefined once a page comes back shorter than `limit` (the span is complete).
 */
export function nextSpanPageFrom(page: readonly { timestamp: string }[], limit: number): Date | undefined {
  const newest = page.at(-1);
  return newest && page.length >= limit ? new Date(Date.parse(newest.timestamp) + 1) : undefined;
}

/** The stretch each non-empty page covers, oldest first. */
export function pageSpans(pages: readonly (readonly Timed[])[]): Span[] {
  return pages
    .filter((page) => page.length > 0)
    .map((page) => ({ from: page[0]!.ms, to: page.at(-1)!.ms + 1 }))
    .sort((a, b) => a.from - b.from);
}

/**
 * Loaded pages (in any order, each oldest first) as one series, oldest first, each instant once:
 * a row at or before the newest one kept is a repeat from an overlapping page and is dropped.
 * A single page is returned as it is (no copy of 50,000 rows).
 */
export function joinPages<T extends Timed>(pages: readonly T[][]): T[] {
  const filled = pages.filter((page) => page.length > 0);
  if (filled.length <= 1) return filled[0] ?? [];
  filled.sort((a, b) => a[0]!.ms - b[0]!.ms);
  const joined: T[] = [];
  let newest = -Infinity;
  for (const page of filled) {
    for (const row of page) {
      if (row.ms > newest) {
        joined.push(row);
        newest = row.ms;
      }
    }
  }
  return joined;
}

/**
 * The polled newest rows laid over the loaded series: loaded rows before the tail, the tail (its
 * rows replace loaded ones at the same instants: the newest bar may have been corrected), then
 * any loaded rows newer than the tail.
 */
export function mergeTail<T extends Timed>(loaded: T[], tail: readonly T[]): T[] {
  const first = tail[0];
  const last = tail.at(-1);
  if (!first || !last) return loaded;
  // Both ends are found from the newest row back: the tail overlaps only the last few loaded rows.
  let cut = loaded.length;
  while (cut > 0 && loaded[cut - 1]!.ms >= first.ms) cut--;
  let resume = loaded.length;
  while (resume > cut && loaded[resume - 1]!.ms > last.ms) resume--;
  return loaded.slice(0, cut).concat(tail, loaded.slice(resume));
}

/**
 * true when the tail no longer reaches back to the newest loaded row: as many rows arrived since
 * the load as one tail holds (a chart left open for hours, a sleeping tab), so rows between the
 * two may be missing and the loaded pages need a reload.
 */
export function tailLeavesGap(loaded: readonly Timed[], tail: readonly Timed[]): boolean {
  const newestLoaded = loaded.at(-1);
  const oldestTail = tail[0];
  return newestLoaded !== undefined && oldestTail !== undefined && oldestTail.ms > newestLoaded.ms;
}

/**
 * A live `bar.upserted` (server/events/schema.ts) laid over the polled newest rows: the last bar
 * replaced, or a new one appended, when the event is that one bar. Null when the rows cannot be
 * patched from the event alone (several bars, or an older one, changed): refetch them.
 */
export function applyLiveBar(rows: readonly BarRow[], event: BarUpsertedPayload): BarRow[] | null {
  const last = rows.at(-1);
  if (!last || event.count !== 1) return null;
  const [ms, lastMs] = [Date.parse(event.timestamp), Date.parse(last.timestamp)];
  const prices = { open: event.open, high: event.high, low: event.low, close: event.close, volume: event.volume };
  if (ms === lastMs) return [...rows.slice(0, -1), { ...last, ...prices }];
  if (ms > lastMs) return [...rows, { timestamp: event.timestamp, ...prices, vwap: null, tradeCount: null }];
  return null;
}
