import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import {
  addDays,
  barStartOf,
  bucketStartMs,
  calendarDay,
  easterSunday,
  expectedBarStarts,
  formatNy,
  getSession,
  isTradingDay,
  marketPhase,
  nextTradingDay,
  nyWallTimeToUtc,
  previousTradingDay,
  sessionDateOf,
  sessionsBetween,
} from './calendar';
import { DEFAULT_REFERENCE_DIR, parseCsv } from '../../tooling/reference/reference-csv';

const CALENDAR_CSV = path.join(DEFAULT_REFERENCE_DIR, 'calendar', 'nyse_calendar_2023_2026.csv');
const CALENDAR_JSON = path.join(DEFAULT_REFERENCE_DIR, 'calendar', 'nyse_calendar_2023_2026.json');

describe('NYSE calendar vs reference file 2023-2026', () => {
  const rows = parseCsv(readFileSync(CALENDAR_CSV, 'utf8'));
  const listed = new Map(rows.map((r) => [r.date ?? '', r]));

  it('parses the reference file', () => {
    expect(rows.length).toBeGreaterThan(40);
    expect(listed.get('2025-01-09')?.status).toBe('closed');
  });

  it('matches every closure and early close in the CSV', () => {
    for (const row of rows) {
      const day = calendarDay(row.date ?? '');
      if (row.status === 'closed') {
        expect({ date: row.date, status: day.status }).toEqual({ date: row.date, status: 'closed' });
        expect(isTradingDay(row.date ?? '')).toBe(false);
        expect(getSession(row.date ?? '')).toBeNull();
      } else {
        expect(row.status).toBe('early_close');
        expect({ date: row.date, status: day.status, close: day.closeTime }).toEqual({
          date: row.date,
          status: 'early_close',
          close: row.close_et,
        });
        const s = getSession(row.date ?? '');
        expect(s?.earlyClose).toBe(true);
        expect(formatNy(s!.close)).toBe(`${row.date} 13:00`);
        expect(formatNy(s!.extendedClose)).toBe(`${row.date} 17:00`);
      }
    }
  });

  it('treats every unlisted weekday of 2023-2026 as a normal 09:30-16:00 session', () => {
    let normal = 0;
    for (let d = '2023-01-01'; d <= '2026-12-31'; d = addDays(d, 1)) {
      const day = calendarDay(d);
      if (day.weekday === 0 || day.weekday === 6) {
        expect(day.status).toBe('weekend');
        continue;
      }
      if (listed.has(d)) continue;
      expect({ d, status: day.status }).toEqual({ d, status: 'open' });
      const s = getSession(d)!;
      expect(formatNy(s.open)).toBe(`${d} 09:30`);
      expect(formatNy(s.close)).toBe(`${d} 16:00`);
      expect(formatNy(s.extendedOpen)).toBe(`${d} 04:00`);
      expect(formatNy(s.extendedClose)).toBe(`${d} 20:00`);
      expect(s.earlyClose).toBe(false);
      normal++;
    }
    expect(normal).toBeGreaterThan(950);
  });

  it('agrees with the JSON variant of the reference', () => {
    const json = JSON.parse(readFileSync(CALENDAR_JSON, 'utf8')) as {
      full_day_closures: { date: string }[];
      early_closes_1300_et: { date: string }[];
    };
    const sessions = sessionsBetween('2023-01-01', '2026-12-31');
    const sessionDates = new Set(sessions.map((s) => s.date));
    for (const c of json.full_day_closures) expect(sessionDates.has(c.date)).toBe(false);
    const early = sessions.filter((s) => s.earlyClose).map((s) => s.date);
    expect(early).toEqual(json.early_closes_1300_et.map((e) => e.date));
  });

  it('counts the 778 sessions of the Stooq daily file range', () => {
    // 2023-01-03 .. 2026-02-09 has exactly 778 NYSE sessions (see spy/README.md).
    expect(sessionsBetween('2023-01-03', '2026-02-09')).toHaveLength(778);
  });
});

describe('holiday rules outside the reference range', () => {
  it('computes Easter', () => {
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2019)).toBe('2019-04-21');
    expect(easterSunday(2038)).toBe('2038-04-25');
  });

  it('does not observe a Saturday New Year on the Friday before', () => {
    expect(isTradingDay('2021-12-31')).toBe(true); // 2022-01-01 was a Saturday
    expect(isTradingDay('2010-12-31')).toBe(true); // 2011-01-01 was a Saturday
    expect(isTradingDay('2017-01-02')).toBe(false); // Sunday 2017-01-01 -> Monday
  });

  it('observes Saturday/Sunday holidays on Friday/Monday', () => {
    expect(calendarDay('2021-07-05').status).toBe('closed'); // July 4 on Sunday
    expect(calendarDay('2020-07-03').status).toBe('closed'); // July 4 on Saturday
    expect(calendarDay('2021-12-24').status).toBe('closed'); // Christmas on Saturday
    expect(calendarDay('2022-12-26').status).toBe('closed'); // Christmas on Sunday
    expect(calendarDay('2022-06-20').status).toBe('closed'); // Juneteenth on Sunday
    expect(calendarDay('2021-06-18').status).toBe('open'); // before Juneteenth became a holiday
  });

  it('knows the special closures', () => {
    for (const d of ['2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09', '2001-09-11', '2007-01-02']) {
      expect(isTradingDay(d)).toBe(false);
    }
  });

  it('applies the July 3 and July 5 early-close rules', () => {
    expect(calendarDay('2019-07-03').status).toBe('early_close'); // Wednesday, post-2013
    expect(calendarDay('2012-07-03').status).toBe('early_close'); // Tuesday
    expect(calendarDay('2008-07-03').status).toBe('early_close'); // Thursday
    expect(calendarDay('2002-07-05').status).toBe('early_close'); // Friday after, pre-2013
    expect(calendarDay('2026-07-02').status).toBe('open'); // no early close before a Friday holiday
    expect(calendarDay('2026-07-03').status).toBe('closed');
  });

  it('moves between trading days', () => {
    expect(nextTradingDay('2025-07-03')).toBe('2025-07-07');
    expect(previousTradingDay('2025-01-10')).toBe('2025-01-08');
    expect(nextTradingDay(new Date('2025-12-24T20:00:00Z'))).toBe('2025-12-26');
  });
});

describe('time zone handling', () => {
  it('converts across both DST switches', () => {
    expect(getSession('2025-03-07')!.open.toISOString()).toBe('2025-03-07T14:30:00.000Z'); // EST
    expect(getSession('2025-03-10')!.open.toISOString()).toBe('2025-03-10T13:30:00.000Z'); // EDT
    expect(getSession('2025-10-31')!.close.toISOString()).toBe('2025-10-31T20:00:00.000Z'); // EDT
    expect(getSession('2025-11-03')!.close.toISOString()).toBe('2025-11-03T21:00:00.000Z'); // EST
    expect(nyWallTimeToUtc('2025-03-09', '00:00').toISOString()).toBe('2025-03-09T05:00:00.000Z');
    expect(nyWallTimeToUtc('2025-11-02', '00:00').toISOString()).toBe('2025-11-02T04:00:00.000Z');
  });

  it('maps instants to their New York date', () => {
    expect(sessionDateOf(new Date('2025-07-04T03:59:00Z'))).toBe('2025-07-03');
    expect(sessionDateOf(new Date('2025-07-04T04:00:00Z'))).toBe('2025-07-04');
    expect(sessionDateOf(new Date('2025-01-10T04:59:59Z'))).toBe('2025-01-09');
    // Polygon stamps daily bars at midnight ET: the docs sample t = 1577941200000 -> 2020-01-02
    expect(sessionDateOf(1577941200000)).toBe('2020-01-02');
    expect(sessionDateOf(1626926400000)).toBe('2021-07-22');
  });

  it('classifies market phases', () => {
    expect(marketPhase(nyWallTimeToUtc('2025-07-03', '12:59'))).toBe('regular');
    expect(marketPhase(nyWallTimeToUtc('2025-07-03', '13:00'))).toBe('post');
    expect(marketPhase(nyWallTimeToUtc('2025-07-03', '17:00'))).toBe('closed');
    expect(marketPhase(nyWallTimeToUtc('2025-07-07', '04:00'))).toBe('pre');
    expect(marketPhase(nyWallTimeToUtc('2025-07-07', '19:59'))).toBe('post');
    expect(marketPhase(nyWallTimeToUtc('2025-07-04', '10:00'))).toBe('closed');
  });
});

describe('bar grid', () => {
  const normal = getSession('2025-07-07')!;
  const early = getSession('2025-07-03')!;
  const winter = getSession('2025-01-10')!;
  const local = (ds: Date[]) => ds.map((d) => formatNy(d).slice(11));

  it('1m: 390 regular bars, 210 on an early close, 960 with extended hours', () => {
    expect(expectedBarStarts(normal, '1m')).toHaveLength(390);
    expect(expectedBarStarts(early, '1m')).toHaveLength(210);
    expect(expectedBarStarts(normal, '1m', { extended: true })).toHaveLength(960);
    expect(expectedBarStarts(early, '1m', { extended: true })).toHaveLength(780);
    expect(formatNy(expectedBarStarts(normal, '1m')[0]!)).toBe('2025-07-07 09:30');
    expect(formatNy(expectedBarStarts(normal, '1m').at(-1)!)).toBe('2025-07-07 15:59');
  });

  it('5m/15m start at the open on the grid', () => {
    expect(expectedBarStarts(normal, '5m')).toHaveLength(78);
    expect(expectedBarStarts(normal, '15m')).toHaveLength(26);
    expect(local(expectedBarStarts(early, '15m')).slice(-1)).toEqual(['12:45']);
  });

  it('1h bars are clock hours (09:00 bar holds 09:30-09:59 of the session)', () => {
    expect(local(expectedBarStarts(normal, '1h'))).toEqual(['09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00']);
    expect(local(expectedBarStarts(early, '1h'))).toEqual(['09:00', '10:00', '11:00', '12:00']);
    expect(expectedBarStarts(normal, '1h', { extended: true })).toHaveLength(16);
  });

  it('4h bars are aligned to New York 00/04/08/12/16/20 in summer and winter', () => {
    expect(local(expectedBarStarts(normal, '4h'))).toEqual(['08:00', '12:00']);
    expect(local(expectedBarStarts(winter, '4h'))).toEqual(['08:00', '12:00']);
    expect(local(expectedBarStarts(early, '4h'))).toEqual(['08:00', '12:00']);
    expect(local(expectedBarStarts(normal, '4h', { extended: true }))).toEqual(['04:00', '08:00', '12:00', '16:00']);
  });

  it('1d bars are stamped at midnight New York time', () => {
    expect(expectedBarStarts(normal, '1d').map((d) => d.toISOString())).toEqual(['2025-07-07T04:00:00.000Z']);
    expect(expectedBarStarts(winter, '1d').map((d) => d.toISOString())).toEqual(['2025-01-10T05:00:00.000Z']);
    expect(barStartOf(nyWallTimeToUtc('2025-07-07', '15:59'), '1d').toISOString()).toBe('2025-07-07T04:00:00.000Z');
  });

  it('bucketStartMs handles a DST night', () => {
    // 2025-11-02 01:30 EDT (05:30Z) and 01:30 EST (06:30Z) both fall in the 00:00-04:00 ET bucket.
    expect(new Date(bucketStartMs(Date.parse('2025-11-02T05:30:00Z'), 240)).toISOString()).toBe('2025-11-02T04:00:00.000Z');
    expect(new Date(bucketStartMs(Date.parse('2025-11-02T06:30:00Z'), 240)).toISOString()).toBe('2025-11-02T04:00:00.000Z');
    expect(new Date(bucketStartMs(Date.parse('2025-11-02T10:00:00Z'), 240)).toISOString()).toBe('2025-11-02T09:00:00.000Z'); // 04:00 EST
  });
});
