// NYSE trading calendar: the rules module every ingestion / validation step asks "was the market
// open, and when?". Pure, synchronous, no dependencies; time-zone work goes through Intl (full ICU).
//
// Scope and sources
// - Regular session 09:30-16:00 America/New_York; early closes at 13:00; extended hours 04:00-20:00
//   (on early-close days the late-trading session of NYSE Arca & co. ends at 17:00, per NYSE's own
//   calendar footnotes; the SPY reference minute file ends at 17:00 on 2025-07-03).
// - Holiday rules follow NYSE practice as encoded by pandas_market_calendars (holidays/nyse.py) and
//   the NYSE press releases (dates in tooling/reference/data/calendar). The rules below are accurate
//   from 1995 onward; earlier years are computed with the same modern rules and are NOT historical.
// - New Year's Day: Sunday -> Monday, but a Saturday New Year's is NOT observed on the prior Friday
//   (e.g. 2022-01-01: Friday 2021-12-31 traded). Other fixed-date holidays (Juneteenth from 2022,
//   Independence Day, Christmas) use "nearest workday" (Sat -> Fri, Sun -> Mon).
// - Unscheduled closures and odd early closes are an explicit list (SPECIAL_CLOSURES,
//   SPECIAL_EARLY_CLOSES). Add to them when NYSE announces one; nothing else needs to change.
//
// Bar alignment (decision, shared with the fake Polygon server): intraday buckets are aligned on the
// New York wall clock counted from local midnight - bucket = floor(minuteOfDay / span) * span.
// Polygon documents that aggregate windows are snapped "to the beginning of each timespan
// resolution" in Eastern Time (minute bars at the top of the minute, hour bars at the top of the
// hour - so the 09:00 hour bar holds 09:00-09:59, i.e. 30 pre-market + 30 regular minutes - and
// daily bars at 00:00 ET). For 1m/5m/15m/1h this is identical to Unix-epoch alignment (New York's
// UTC offset is a whole number of hours). For 4h it gives DST-stable windows starting 00/04/08/12/
// 16/20 ET (04:00 = pre-market start, 16:00 = regular close); a UTC-epoch grid would coincide in
// summer (EDT) but sit one hour earlier in winter. Polygon does not document multi-hour alignment
// and it could not be checked offline: if a live comparison disagrees, change `bucketStartMs` only.
// Consequence: regular-session 1h bars start 09:00..15:00 (7 bars, 4 on an early-close day) and
// regular-session 4h bars start 08:00 and 12:00; with extended hours 04:00..19:00 / 04:00..16:00.

import { TIMEFRAME_MINUTES, type Timeframe } from '../market-data/schema';

export const NY_TIME_ZONE = 'America/New_York';

const REGULAR_OPEN = '09:30';
const REGULAR_CLOSE = '16:00';
const EARLY_CLOSE = '13:00';
const EXTENDED_OPEN = '04:00';
const EXTENDED_CLOSE = '20:00';
/** Late trading ends at 17:00 ET on early-close days. */
const EXTENDED_CLOSE_ON_EARLY_CLOSE = '17:00';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Time-zone helpers (America/New_York via Intl)
// ---------------------------------------------------------------------------------------------

const nyFormatter = new Intl.DateTimeFormat('en-US', {
  timeZone: NY_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

// US DST transitions happen at 02:00 local = an exact UTC hour, so the offset is constant within
// every UTC hour: cache it per hour (formatToParts is the slow part).
const offsetCache = new Map<number, number>();

/** Minutes to add to UTC to get New York wall-clock time at `ms` (-300 in EST, -240 in EDT). */
function nyOffsetMinutes(ms: number): number {
  const hourKey = Math.floor(ms / HOUR_MS);
  const cached = offsetCache.get(hourKey);
  if (cached !== undefined) return cached;
  const hourStart = hourKey * HOUR_MS;
  const parts: Record<string, number> = {};
  for (const p of nyFormatter.formatToParts(new Date(hourStart))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const local = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  const offset = Math.round((local - hourStart) / MINUTE_MS);
  if (offsetCache.size > 200_000) offsetCache.clear();
  offsetCache.set(hourKey, offset);
  return offset;
}

/** New York wall-clock milliseconds ("local time expressed as if it were UTC"). */
function nyLocalMs(ms: number): number {
  return ms + nyOffsetMinutes(ms) * MINUTE_MS;
}

/**
 * UTC instant of a New York wall-clock time. `time` is 'HH:MM' or 'HH:MM:SS'.
 * Non-existent local times (spring-forward gap) resolve one hour later; ambiguous ones (fall-back)
 * resolve to the first occurrence (EDT). Market hours never hit either case.
 */
export function nyWallTimeToUtc(date: string, time = '00:00'): Date {
  return new Date(nyWallTimeToUtcMs(date, time));
}

export function nyWallTimeToUtcMs(date: string, time = '00:00'): number {
  const [y, m, d] = parseIsoDate(date);
  const tm = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(time);
  if (!tm) throw new Error(`Invalid time "${time}" (expected HH:MM[:SS])`);
  const local = Date.UTC(y, m - 1, d, Number(tm[1]), Number(tm[2]), Number(tm[3] ?? 0), Number((tm[4] ?? '0').padEnd(3, '0')));
  return localMsToUtcMs(local);
}

function localMsToUtcMs(local: number): number {
  // Fixed point: utc = local - offset(utc). Two rounds settle it (offsets change at most once/day).
  const o1 = nyOffsetMinutes(local - -300 * MINUTE_MS);
  let utc = local - o1 * MINUTE_MS;
  const o2 = nyOffsetMinutes(utc);
  if (o2 !== o1) {
    const alt = local - o2 * MINUTE_MS;
    // Accept the candidate whose own offset maps back to `local`; in a gap neither does - keep utc.
    if (nyOffsetMinutes(alt) === o2) utc = alt;
  }
  return utc;
}

/** New York calendar date 'YYYY-MM-DD' of an instant. For bars: the session date of the bar. */
export function sessionDateOf(ts: Date | number): string {
  const ms = typeof ts === 'number' ? ts : ts.getTime();
  return new Date(nyLocalMs(ms)).toISOString().slice(0, 10);
}

/** 'YYYY-MM-DD HH:MM' (or with seconds when non-zero) in New York time. For reports and logs. */
export function formatNy(ts: Date | number, withSeconds = false): string {
  const ms = typeof ts === 'number' ? ts : ts.getTime();
  const iso = new Date(nyLocalMs(ms)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withSeconds ? 19 : 16)}`;
}

/** Midnight New York time starting the given date (how Polygon stamps daily bars). */
export function nyMidnightUtcMs(date: string): number {
  return nyWallTimeToUtcMs(date, '00:00');
}

// ---------------------------------------------------------------------------------------------
// Calendar-date helpers ('YYYY-MM-DD' strings, no time zone)
// ---------------------------------------------------------------------------------------------

function parseIsoDate(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`Invalid date "${date}" (expected YYYY-MM-DD)`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new Error(`Invalid date "${date}"`);
  }
  return [y, mo, d];
}

function ymd(y: number, m: number, d: number): string {
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}

/** Add whole calendar days to a 'YYYY-MM-DD' date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = parseIsoDate(date);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday .. 6 = Saturday. */
function weekdayOf(date: string): number {
  const [y, m, d] = parseIsoDate(date);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

function toDateString(date: string | Date): string {
  return typeof date === 'string' ? (parseIsoDate(date), date) : sessionDateOf(date);
}

// ---------------------------------------------------------------------------------------------
// Holiday rules
// ---------------------------------------------------------------------------------------------

type DayStatus = 'open' | 'early_close' | 'closed' | 'weekend';

export interface CalendarDay {
  date: string;
  weekday: number;
  status: DayStatus;
  /** Holiday / early-close / closure name; undefined on normal days and weekends. */
  name?: string;
  /** Regular-session close 'HH:MM' on open days, null when closed. */
  closeTime: string | null;
}

interface SpecialDay {
  status: 'closed' | 'early_close';
  name: string;
  closeTime?: string;
}

/** Unscheduled full-day closures since 1985 (NYSE; see pandas_market_calendars nyse.py). */
const SPECIAL_CLOSURES: Readonly<Record<string, string>> = {
  '1985-09-27': 'Hurricane Gloria',
  '1994-04-27': 'National Day of Mourning for President Nixon',
  '2001-09-11': 'September 11 attacks',
  '2001-09-12': 'September 11 attacks',
  '2001-09-13': 'September 11 attacks',
  '2001-09-14': 'September 11 attacks',
  '2004-06-11': 'National Day of Mourning for President Reagan',
  '2007-01-02': 'National Day of Mourning for President Ford',
  '2012-10-29': 'Hurricane Sandy',
  '2012-10-30': 'Hurricane Sandy',
  '2018-12-05': 'National Day of Mourning for President George H. W. Bush',
  '2025-01-09': 'National Day of Mourning for President Carter',
};

/** Early closes not produced by the recurring rules (1pm unless a time is given). */
const SPECIAL_EARLY_CLOSES: Readonly<Record<string, { name: string; closeTime: string }>> = {
  '1996-12-24': { name: 'Christmas Eve', closeTime: '13:00' },
  '1997-12-24': { name: 'Christmas Eve', closeTime: '13:00' },
  '1997-12-26': { name: 'Day after Christmas', closeTime: '13:00' },
  '1998-12-24': { name: 'Christmas Eve', closeTime: '13:00' },
  '2003-12-26': { name: 'Day after Christmas', closeTime: '13:00' },
  '2005-06-01': { name: 'Systems communication problem', closeTime: '15:56' },
};

/** Easter Sunday (Gregorian; anonymous / Meeus-Jones-Butcher algorithm). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return ymd(year, month, day);
}

/** n-th (1-based) given weekday of a month; n = -1 for the last one. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    const day = 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
    return ymd(year, month, day);
  }
  const lastDate = new Date(Date.UTC(year, month, 0));
  const lastDay = lastDate.getUTCDate();
  const back = (lastDate.getUTCDay() - weekday + 7) % 7;
  return ymd(year, month, lastDay - back);
}

/** Saturday -> Friday before, Sunday -> Monday after. */
function nearestWorkday(date: string): string {
  const wd = weekdayOf(date);
  if (wd === 6) return addDays(date, -1);
  if (wd === 0) return addDays(date, 1);
  return date;
}

const yearCache = new Map<number, Map<string, SpecialDay>>();

function specialDaysOf(year: number): Map<string, SpecialDay> {
  const cached = yearCache.get(year);
  if (cached) return cached;
  const days = new Map<string, SpecialDay>();
  const close = (date: string, name: string): void => {
    const wd = weekdayOf(date);
    if (wd === 0 || wd === 6) return;
    days.set(date, { status: 'closed', name });
  };
  const early = (date: string, name: string, closeTime = EARLY_CLOSE): void => {
    const wd = weekdayOf(date);
    if (wd === 0 || wd === 6) return;
    if (days.get(date)?.status === 'closed') return; // a closure always wins
    days.set(date, { status: 'early_close', name, closeTime });
  };

  // New Year's Day: Sunday -> Monday; Saturday is not observed (NYSE rule).
  const newYear = ymd(year, 1, 1);
  if (weekdayOf(newYear) === 0) close(ymd(year, 1, 2), "New Year's Day");
  else close(newYear, "New Year's Day");

  if (year >= 1998) close(nthWeekday(year, 1, 1, 3), 'Martin Luther King, Jr. Day');
  close(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  close(addDays(easterSunday(year), -2), 'Good Friday');
  close(nthWeekday(year, 5, 1, -1), 'Memorial Day');
  if (year >= 2022) close(nearestWorkday(ymd(year, 6, 19)), 'Juneteenth National Independence Day');
  close(nearestWorkday(ymd(year, 7, 4)), 'Independence Day');
  close(nthWeekday(year, 9, 1, 1), 'Labor Day');
  const thanksgiving = nthWeekday(year, 11, 4, 4);
  close(thanksgiving, 'Thanksgiving Day');
  close(nearestWorkday(ymd(year, 12, 25)), 'Christmas Day');

  for (const [date, name] of Object.entries(SPECIAL_CLOSURES)) {
    if (date.startsWith(`${year}-`)) close(date, name);
  }

  // Early closes (13:00). Holidays set above take precedence (e.g. Friday 2026-07-03 is closed).
  const july3 = ymd(year, 7, 3);
  const july3Wd = weekdayOf(july3);
  if (year >= 1995 && (july3Wd === 1 || july3Wd === 2 || july3Wd === 4)) early(july3, 'Day before Independence Day');
  if (year >= 2013 && july3Wd === 3) early(july3, 'Day before Independence Day');
  const july5 = ymd(year, 7, 5);
  if (year >= 1996 && year <= 2012 && weekdayOf(july5) === 5) early(july5, 'Day after Independence Day');
  if (year >= 1993) early(addDays(thanksgiving, 1), 'Day after Thanksgiving');
  const xmasEve = ymd(year, 12, 24);
  const xmasEveWd = weekdayOf(xmasEve);
  if (year >= 1999 && xmasEveWd >= 1 && xmasEveWd <= 4) early(xmasEve, 'Christmas Eve');
  for (const [date, spec] of Object.entries(SPECIAL_EARLY_CLOSES)) {
    if (date.startsWith(`${year}-`)) early(date, spec.name, spec.closeTime);
  }

  if (yearCache.size > 500) yearCache.clear();
  yearCache.set(year, days);
  return days;
}

/** Full classification of a calendar date. */
export function calendarDay(date: string | Date): CalendarDay {
  const d = toDateString(date);
  const weekday = weekdayOf(d);
  if (weekday === 0 || weekday === 6) return { date: d, weekday, status: 'weekend', closeTime: null };
  const special = specialDaysOf(Number(d.slice(0, 4))).get(d);
  if (!special) return { date: d, weekday, status: 'open', closeTime: REGULAR_CLOSE };
  if (special.status === 'closed') return { date: d, weekday, status: 'closed', name: special.name, closeTime: null };
  return { date: d, weekday, status: 'early_close', name: special.name, closeTime: special.closeTime ?? EARLY_CLOSE };
}

/** True when NYSE has a regular session on that New York date (early-close days included). */
export function isTradingDay(sessionDate: string | Date): boolean {
  const s = calendarDay(sessionDate).status;
  return s === 'open' || s === 'early_close';
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

export interface Session {
  /** Session (exchange) date, 'YYYY-MM-DD' in New York. */
  date: string;
  /** Regular open 09:30 ET. */
  open: Date;
  /** Regular close: 16:00 ET, or 13:00 ET on early-close days. */
  close: Date;
  earlyClose: boolean;
  /** Pre-market start 04:00 ET. */
  extendedOpen: Date;
  /** After-hours end: 20:00 ET, 17:00 ET on early-close days. */
  extendedClose: Date;
}

/** The session on a New York date (a Date argument is mapped with sessionDateOf), or null. */
export function getSession(date: string | Date): Session | null {
  const day = calendarDay(date);
  if (day.status !== 'open' && day.status !== 'early_close') return null;
  const earlyClose = day.status === 'early_close';
  return {
    date: day.date,
    open: nyWallTimeToUtc(day.date, REGULAR_OPEN),
    close: nyWallTimeToUtc(day.date, day.closeTime ?? REGULAR_CLOSE),
    earlyClose,
    extendedOpen: nyWallTimeToUtc(day.date, EXTENDED_OPEN),
    extendedClose: nyWallTimeToUtc(day.date, earlyClose ? EXTENDED_CLOSE_ON_EARLY_CLOSE : EXTENDED_CLOSE),
  };
}

/**
 * Sessions whose New York session date lies between sessionDateOf(from) and sessionDateOf(to),
 * both inclusive. Strings are taken as session dates directly.
 */
export function sessionsBetween(from: Date | string, to: Date | string): Session[] {
  const start = toDateString(from);
  const end = toDateString(to);
  const out: Session[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) {
    const s = getSession(d);
    if (s) out.push(s);
  }
  return out;
}

/** Next session date strictly after `date`. */
export function nextTradingDay(date: string | Date): string {
  let d = addDays(toDateString(date), 1);
  while (!isTradingDay(d)) d = addDays(d, 1);
  return d;
}

/** Previous session date strictly before `date`. */
export function previousTradingDay(date: string | Date): string {
  let d = addDays(toDateString(date), -1);
  while (!isTradingDay(d)) d = addDays(d, -1);
  return d;
}

export type MarketPhase = 'pre' | 'regular' | 'post' | 'closed';

/** Where an instant falls: pre-market, regular session, after-hours, or closed. */
export function marketPhase(ts: Date | number): MarketPhase {
  const ms = typeof ts === 'number' ? ts : ts.getTime();
  const s = getSession(sessionDateOf(ms));
  if (!s) return 'closed';
  if (ms >= s.open.getTime() && ms < s.close.getTime()) return 'regular';
  if (ms >= s.extendedOpen.getTime() && ms < s.open.getTime()) return 'pre';
  if (ms >= s.close.getTime() && ms < s.extendedClose.getTime()) return 'post';
  return 'closed';
}

// ---------------------------------------------------------------------------------------------
// Bar grid
// ---------------------------------------------------------------------------------------------

/**
 * Start of the bucket of `spanMinutes` containing `ms`, aligned on the New York wall clock from
 * local midnight (see the alignment note at the top of this file). For spans >= 1440 minutes the
 * bucket is the New York day (midnight ET).
 */
export function bucketStartMs(ms: number, spanMinutes: number): number {
  if (!Number.isInteger(spanMinutes) || spanMinutes < 1) throw new Error(`Invalid span ${spanMinutes}`);
  const local = nyLocalMs(ms);
  const dayStartLocal = Math.floor(local / DAY_MS) * DAY_MS;
  if (spanMinutes >= 1440) return localMsToUtcMs(dayStartLocal);
  const minuteOfDay = Math.floor((local - dayStartLocal) / MINUTE_MS);
  const bucketLocal = dayStartLocal + Math.floor(minuteOfDay / spanMinutes) * spanMinutes * MINUTE_MS;
  // Within 04:00-20:00 the offset cannot change; near a DST switch recompute it properly.
  return localMsToUtcMs(bucketLocal);
}

/** Start of the `timeframe` bar containing `ts` (1d: midnight ET of its New York date). */
export function barStartOf(ts: Date | number, timeframe: Timeframe): Date {
  const ms = typeof ts === 'number' ? ts : ts.getTime();
  return new Date(bucketStartMs(ms, TIMEFRAME_MINUTES[timeframe]));
}

/** True when `ts` is exactly a bar start of `timeframe`. */
export function isAlignedBarStart(ts: Date | number, timeframe: Timeframe): boolean {
  const ms = typeof ts === 'number' ? ts : ts.getTime();
  return bucketStartMs(ms, TIMEFRAME_MINUTES[timeframe]) === ms;
}

export interface ExpectedBarsOptions {
  /** Include pre-market (04:00-09:30) and after-hours (close-20:00, 17:00 on early-close days). */
  extended?: boolean;
}

/**
 * Start times of every bar that can exist in a session: all grid buckets of `timeframe` that
 * overlap the regular session [open, close) - or [extendedOpen, extendedClose) with `extended`.
 * 1d -> one bar at midnight ET of the session date. A bucket that only partly overlaps (the 09:00
 * 1h bar, the 08:00 4h bar) is included: Polygon emits it whenever it has trades.
 */
export function expectedBarStarts(session: Session, timeframe: Timeframe, options: ExpectedBarsOptions = {}): Date[] {
  if (timeframe === '1d') return [new Date(nyMidnightUtcMs(session.date))];
  const span = TIMEFRAME_MINUTES[timeframe];
  const from = (options.extended ? session.extendedOpen : session.open).getTime();
  const to = (options.extended ? session.extendedClose : session.close).getTime();
  const out: Date[] = [];
  for (let t = bucketStartMs(from, span); t < to; t += span * MINUTE_MS) out.push(new Date(t));
  return out;
}
