import { describe, expect, it } from 'vitest';
import { applyLiveBar, joinPages, mergeTail, nextSpanPageFrom, olderPageRequest, pageSpans, tailLeavesGap } from './series-pages';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T14:30:00Z');

interface Row {
  ms: number;
  close: number;
}
/** Minute rows i..j-1 (close = 100 + i). */
const rows = (i: number, j: number): Row[] => Array.from({ length: j - i }, (_, k) => ({ ms: T0 + (i + k) * MINUTE, close: 100 + i + k }));
const wire = (page: Row[]) => page.map((r) => ({ timestamp: new Date(r.ms).toISOString() }));
const minutes = (series: readonly Row[]) => series.map((r) => (r.ms - T0) / MINUTE);

describe('olderPageRequest', () => {
  it('asks for the bars strictly before the oldest loaded one, as many as are loaded', () => {
    const last = wire(rows(100, 200));
    expect(olderPageRequest(last, { limit: 100 }, 100, 50_000)).toEqual({ limit: 100, endDate: new Date(T0 + 100 * MINUTE - 1) });
    // Later pages double the load: all loaded so far, whatever the last page's size.
    expect(olderPageRequest(last, { limit: 100 }, 300, 50_000)).toEqual({ limit: 300, endDate: new Date(T0 + 100 * MINUTE - 1) });
  });

  it('never asks for more than the page limit', () => {
    expect(olderPageRequest(wire(rows(0, 10)), { limit: 10 }, 80_000, 50_000)?.limit).toBe(50_000);
  });

  it('stops at the start of the series: a page shorter than asked, or an empty one', () => {
    expect(olderPageRequest(wire(rows(0, 99)), { limit: 100 }, 199, 50_000)).toBeUndefined();
    expect(olderPageRequest([], { limit: 100 }, 100, 50_000)).toBeUndefined();
    // Exactly as many as asked: there may be more.
    expect(olderPageRequest(wire(rows(0, 100)), { limit: 100 }, 200, 50_000)).toBeDefined();
  });
});

describe('nextSpanPageFrom', () => {
  it('continues 1 ms after the newest row of a full page', () => {
    expect(nextSpanPageFrom(wire(rows(0, 5)), 5)).toEqual(new Date(T0 + 4 * MINUTE + 1));
  });

  it('stops after a short or empty page', () => {
    expect(nextSpanPageFrom(wire(rows(0, 4)), 5)).toBeUndefined();
    expect(nextSpanPageFrom([], 5)).toBeUndefined();
  });
});

describe('joinPages', () => {
  it('joins pages held newest first into one series, oldest first', () => {
    expect(minutes(joinPages([rows(20, 30), rows(10, 20), rows(0, 10)]))).toEqual([...Array(30).keys()]);
  });

  it('keeps each instant once when pages overlap', () => {
    const joined = joinPages([rows(15, 30), rows(5, 20), rows(0, 10)]);
    expect(minutes(joined)).toEqual([...Array(30).keys()]);
  });

  it('skips empty pages and returns a single page as it is', () => {
    const page = rows(0, 10);
    expect(joinPages([[], page, []])).toBe(page);
    expect(joinPages([])).toEqual([]);
    expect(minutes(joinPages([rows(10, 12), [], rows(0, 2)]))).toEqual([0, 1, 10, 11]);
  });
});

describe('pageSpans', () => {
  it('gives each non-empty page its [first, last + 1 ms) stretch, oldest first', () => {
    expect(pageSpans([rows(10, 20), [], rows(0, 10)])).toEqual([
      { from: T0, to: T0 + 9 * MINUTE + 1 },
      { from: T0 + 10 * MINUTE, to: T0 + 19 * MINUTE + 1 },
    ]);
  });
});

describe('mergeTail', () => {
  it('appends new rows and replaces the overlap, so a corrected last bar shows its new values', () => {
    const loaded = rows(0, 10);
    const tail = rows(8, 12);
    tail[0] = { ...tail[0]!, close: 999 }; // minute 8 was corrected since the load
    const merged = mergeTail(loaded, tail);
    expect(minutes(merged)).toEqual([...Array(12).keys()]);
    expect(merged[8]!.close).toBe(999);
    expect(merged[7]).toBe(loaded[7]);
  });

  it('keeps loaded rows newer than the tail', () => {
    expect(minutes(mergeTail(rows(0, 10), rows(4, 6)))).toEqual([...Array(10).keys()]);
  });

  it('leaves the series alone for an empty tail, and is the tail when nothing is loaded', () => {
    const loaded = rows(0, 3);
    expect(mergeTail(loaded, [])).toBe(loaded);
    expect(minutes(mergeTail([], rows(5, 7)))).toEqual([5, 6]);
  });
});

describe('tailLeavesGap', () => {
  it('is true only when the tail no longer reaches back to the newest loaded row', () => {
    expect(tailLeavesGap(rows(0, 10), rows(11, 20))).toBe(true);
    // Whether minute 10 follows minute 9 without a gap cannot be told from the rows (sessions end).
    expect(tailLeavesGap(rows(0, 10), rows(10, 20))).toBe(true);
    expect(tailLeavesGap(rows(0, 10), rows(9, 20))).toBe(false);
    expect(tailLeavesGap(rows(0, 10), rows(5, 20))).toBe(false);
    expect(tailLeavesGap(rows(0, 10), [])).toBe(false);
    expect(tailLeavesGap([], rows(5, 20))).toBe(false);
  });
});

describe('applyLiveBar', () => {
  const bar = (minute: number, close: number) => ({ timestamp: new Date(T0 + minute * MINUTE).toISOString(), open: 100, high: 102, low: 99, close, volume: 10, vwap: 100.5, tradeCount: 3 });
  const event = (minute: number, close: number, count = 1) => ({
    timestamp: new Date(T0 + minute * MINUTE).toISOString(),
    open: 100,
    high: 103,
    low: 99,
    close,
    volume: 12,
    earliest: new Date(T0 + (minute - count + 1) * MINUTE).toISOString(),
    count,
  });
  const tail = [bar(0, 101), bar(1, 101.5)];

  it('replaces the last bar when the event is that bar', () => {
    expect(applyLiveBar(tail, event(1, 102.5))).toEqual([bar(0, 101), { ...bar(1, 102.5), high: 103, volume: 12 }]);
  });

  it('appends a newer bar', () => {
    expect(applyLiveBar(tail, event(2, 100.5))).toEqual([...tail, { ...bar(2, 100.5), high: 103, volume: 12, vwap: null, tradeCount: null }]);
  });

  it('asks for a refetch when several bars or an older one changed, or nothing is loaded', () => {
    expect(applyLiveBar(tail, event(3, 100, 2))).toBeNull();
    expect(applyLiveBar(tail, event(0, 100))).toBeNull();
    expect(applyLiveBar([], event(0, 100))).toBeNull();
  });
});
