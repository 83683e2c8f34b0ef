// How a backfill range is cut into request windows. Windows are aligned on calendar months (not on
// the requested start), so two runs over overlapping ranges produce the same windows and a resumed
// run recognises the ones already done.
import type { Timeframe } from '../market-data/schema';
import { addDays, nyMidnightUtcMs, sessionDateOf } from './calendar';

/**
 * Months per window. Polygon's `limit` (max 50,000) counts BASE aggregates, which are minute bars
 * for every intraday timeframe: a month of extended-hours minutes is at most ~23 x 960 = 22k, two
 * months ~44k. Daily bars are their own base (~252 a year). Paging via next_url covers any overflow.
 */
const WINDOW_MONTHS: Readonly<Record<Timeframe, number>> = {
  '1m': 1,
  '5m': 2,
  '15m': 2,
  '1h': 2,
  '4h': 2,
  '1d': 12,
};

export interface IngestionWindow {
  ticker: string;
  timeframe: Timeframe;
  /** First New York session date covered, 'YYYY-MM-DD'. */
  firstDate: string;
  /** Last New York session date covered (inclusive). */
  lastDate: string;
  /** Midnight New York starting firstDate. */
  start: Date;
  /** Midnight New York after lastDate: the window is [start, end). */
  end: Date;
}

function monthIndex(date: string): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

function monthStart(index: number): string {
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

/** Windows covering the session dates from..to (inclusive), ascending. */
export function planWindows(ticker: string, timeframe: Timeframe, from: string, to: string): IngestionWindow[] {
  const months = WINDOW_MONTHS[timeframe];
  const windows: IngestionWindow[] = [];
  let first = from;
  while (first <= to) {
    const index = monthIndex(first);
    const nextStart = monthStart(index - (index % months) + months);
    const last = addDays(nextStart, -1) < to ? addDays(nextStart, -1) : to;
    windows.push({
      ticker,
      timeframe,
      firstDate: first,
      lastDate: last,
      start: new Date(nyMidnightUtcMs(first)),
      end: new Date(nyMidnightUtcMs(addDays(last, 1))),
    });
    first = nextStart;
  }
  return windows;
}

/** Today's New York date. */
export function todayNy(now: Date = new Date()): string {
  return sessionDateOf(now);
}

/** The same calendar date `years` earlier (Feb 29 -> Mar 1). */
export function yearsBefore(date: string, years: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.toISOString().slice(0, 10);
}
