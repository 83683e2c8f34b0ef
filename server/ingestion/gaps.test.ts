import { describe, it, expect } from 'vitest';
import { barStartOf, formatNy, isTradingDay, nyWallTimeToUtc, sessionDateOf } from './calendar';
import { formatGapReport, validateGaps, type GapBar } from './gaps';
import { loadSpyDailyBars, loadSpyMinuteBars, type Bar } from '../../tooling/reference/reference-csv';

const minute = loadSpyMinuteBars();
const daily = loadSpyDailyBars();
const at = (date: string, time: string) => nyWallTimeToUtc(date, time).getTime();
const RANGE = { timeframe: '1m' as const, from: '2025-07-01', to: '2025-07-07' };

/** Bars minus those whose ET time lies in [fromTime, toTime) on `date`. */
function withoutBlock(bars: Bar[], date: string, fromTime: string, toTime: string): Bar[] {
  const a = at(date, fromTime);
  const b = at(date, toTime);
  return bars.filter((x) => x.timestamp.getTime() < a || x.timestamp.getTime() >= b);
}

function resample(bars: Bar[], timeframe: '5m' | '1h'): Bar[] {
  const out = new Map<number, Bar>();
  for (const b of bars) {
    const k = barStartOf(b.timestamp, timeframe).getTime();
    const cur = out.get(k);
    if (!cur) out.set(k, { ...b, timeframe, timestamp: new Date(k) });
    else {
      cur.high = Math.max(cur.high, b.high);
      cur.low = Math.min(cur.low, b.low);
      cur.close = b.close;
      cur.volume += b.volume;
    }
  }
  return [...out.values()];
}

describe('SPY 1-minute reference file (2025-07-01 .. 2025-07-07)', () => {
  const report = validateGaps(minute, RANGE);

  it('parses 3,659 bars in ET', () => {
    expect(minute).toHaveLength(3659);
    expect(formatNy(minute[0]!.timestamp)).toBe('2025-07-01 04:00');
    expect(minute[0]!.timestamp.toISOString()).toBe('2025-07-01T08:00:00.000Z');
  });

  it('has no outage, no missing session, nothing outside a session', () => {
    expect(report.outages).toEqual([]);
    expect(report.missingSessions).toEqual([]);
    expect(report.totals.outsideSession).toBe(0);
    expect(report.totals.misaligned).toBe(0);
    expect(report.totals.duplicates).toBe(0);
    expect(report.ok).toBe(true);
  });

  it('recognises the 2025-07-03 early close and skips the July 4 holiday and the weekend', () => {
    expect(report.sessions.map((s) => [s.date, s.expected, s.present, s.earlyClose])).toEqual([
      ['2025-07-01', 390, 390, false],
      ['2025-07-02', 390, 390, false],
      ['2025-07-03', 210, 210, true],
      ['2025-07-07', 390, 390, false],
    ]);
    expect(report.totals.missing).toBe(0);
    expect(report.totals.singleMissing).toBe(0);
  });

  it('counts extended-hours bars as inside the session (incl. the 17:00 / 20:00 closing-print bars)', () => {
    expect(report.totals.extendedBars).toBe(3659 - (3 * 390 + 210));
    const strict = validateGaps(minute, { ...RANGE, extended: false });
    expect(strict.totals.outsideSession).toBe(3659 - (3 * 390 + 210));
    expect(strict.outsideSession[0]?.reason).toBe('extended hours (not allowed)');
    expect(strict.outages).toEqual([]);
  });

  it('flags the known bad extended-hours prints (>5% beyond the regular range) and nothing else', () => {
    expect(report.anomalies.map((a) => [a.local, a.kind])).toEqual(
      [
        '2025-07-02 16:56',
        '2025-07-03 13:58',
        '2025-07-03 13:59',
        '2025-07-07 16:54',
        '2025-07-07 16:58',
        '2025-07-07 16:59',
        '2025-07-07 17:01',
        '2025-07-07 17:12',
        '2025-07-07 17:35',
      ].map((l) => [l, 'extended_outlier']),
    );
    expect(report.anomalies[0]?.detail).toContain('583.351');
    // A tighter threshold also catches the 642.83 high prints of 2025-07-07 16:56 / 17:14.
    const tight = validateGaps(minute, { ...RANGE, extendedOutlierPct: 0.02 });
    expect(tight.anomalies.map((a) => a.local)).toContain('2025-07-07 17:14');
  });

  it('reports exactly a 20-minute block removed from a regular session as one outage', () => {
    const holed = withoutBlock(minute, '2025-07-02', '11:00', '11:20');
    expect(holed).toHaveLength(3659 - 20);
    const r = validateGaps(holed, RANGE);
    expect(r.outages).toEqual([
      {
        date: '2025-07-02',
        segment: 'regular',
        start: '2025-07-02T15:00:00.000Z',
        end: '2025-07-02T15:20:00.000Z',
        startLocal: '2025-07-02 11:00',
        endLocal: '2025-07-02 11:20',
        minutes: 20,
        bars: 20,
      },
    ]);
    expect(r.singleMissing).toBe(0);
    expect(r.missingSessions).toEqual([]);
    expect(r.sessions.find((s) => s.date === '2025-07-02')).toMatchObject({ missing: 20, outages: 1 });
    expect(r.ok).toBe(false);
  });

  it('treats runs up to the threshold as normal no-trade holes, longer ones as outages', () => {
    const fifteen = validateGaps(withoutBlock(minute, '2025-07-07', '14:00', '14:15'), RANGE);
    expect(fifteen.outages).toEqual([]);
    expect(fifteen.singleMissing).toBe(15);
    expect(fifteen.shortGapRuns).toBe(1);
    const sixteen = validateGaps(withoutBlock(minute, '2025-07-07', '14:00', '14:16'), RANGE);
    expect(sixteen.outages.map((o) => o.minutes)).toEqual([16]);
    const custom = validateGaps(withoutBlock(minute, '2025-07-07', '14:00', '14:16'), { ...RANGE, outageMinutes: 30 });
    expect(custom.outages).toEqual([]);
  });

  it('reports a gap at the end of an early-close session but not the closed afternoon', () => {
    const r = validateGaps(withoutBlock(minute, '2025-07-03', '12:30', '13:00'), RANGE);
    expect(r.outages.map((o) => [o.startLocal, o.endLocal, o.minutes])).toEqual([['2025-07-03 12:30', '2025-07-03 13:00', 30]]);
  });

  it('reports a session without any regular bar as a missing session, not an outage', () => {
    const r = validateGaps(withoutBlock(minute, '2025-07-07', '09:30', '16:00'), RANGE);
    expect(r.missingSessions).toEqual(['2025-07-07']);
    expect(r.outages).toEqual([]);
  });

  it('puts bars on holidays, weekends and after the late session outside any session', () => {
    const extra: Bar[] = [
      { ...minute[0]!, timestamp: new Date(at('2025-07-04', '10:00')) },
      { ...minute[0]!, timestamp: new Date(at('2025-07-05', '10:00')) },
      { ...minute[0]!, timestamp: new Date(at('2025-07-03', '18:00')) },
      { ...minute[0]!, timestamp: new Date(at('2025-07-07', '20:01')) },
    ];
    const r = validateGaps([...minute, ...extra], RANGE);
    expect(r.outsideSession.map((b) => [b.local, b.reason])).toEqual([
      ['2025-07-03 18:00', 'outside trading hours (early-close day)'],
      ['2025-07-04 10:00', 'market closed: Independence Day'],
      ['2025-07-05 10:00', 'weekend'],
      ['2025-07-07 20:01', 'outside trading hours'],
    ]);
    expect(r.outages).toEqual([]);
  });

  it('lists duplicates, misaligned bars and OHLC invariant violations; input order does not matter', () => {
    const shuffled = [...minute].reverse();
    const dup = { ...minute[500]! };
    const odd = { ...minute[600]!, timestamp: new Date(minute[600]!.timestamp.getTime() + 30_000) };
    const broken = { ...minute[700]!, timestamp: new Date(minute[700]!.timestamp.getTime()), high: minute[700]!.low - 1 };
    const input = shuffled.filter((b) => b.timestamp.getTime() !== broken.timestamp.getTime());
    const r = validateGaps([...input, dup, odd, broken], RANGE);
    expect(r.duplicates).toEqual([{ timestamp: dup.timestamp.toISOString(), local: formatNy(dup.timestamp), count: 2 }]);
    expect(r.misaligned.map((m) => m.timestamp)).toEqual([odd.timestamp.toISOString()]);
    expect(r.anomalies.filter((a) => a.kind === 'ohlc_invariant').map((a) => a.timestamp)).toEqual([broken.timestamp.toISOString()]);
    expect(r.totals.missing).toBe(0);
  });

  it('honours instant bounds (inclusive)', () => {
    const r = validateGaps(minute, { timeframe: '1m', from: new Date(at('2025-07-02', '10:00')), to: new Date(at('2025-07-02', '11:00')) });
    expect(r.sessions).toEqual([{ date: '2025-07-02', expected: 61, present: 61, missing: 0, earlyClose: false, extendedBars: 0, outages: 0 }]);
    expect(r.totals.inRange).toBe(61);
    expect(r.totals.outOfRange).toBe(3659 - 61);
  });

  it('can report long extended-hours holes when asked to', () => {
    const holed = withoutBlock(minute, '2025-07-07', '05:00', '06:00');
    expect(validateGaps(holed, RANGE).outages).toEqual([]); // extended hours are never expected by default
    const r = validateGaps(holed, { ...RANGE, extendedOutageMinutes: 30 });
    expect(r.outages.map((o) => [o.segment, o.startLocal, o.endLocal, o.minutes])).toEqual([
      ['extended', '2025-07-07 05:00', '2025-07-07 06:00', 60],
    ]);
    // Threshold 0: every missing extended minute shows (2 on 07-01, 3 sparse ones on 07-03).
    const all = validateGaps(minute, { ...RANGE, extendedOutageMinutes: 0 });
    expect(all.outages.map((o) => o.startLocal.slice(0, 10))).toEqual([
      '2025-07-01',
      '2025-07-01',
      '2025-07-03',
      '2025-07-03',
      '2025-07-03',
    ]);
  });

  it('works on coarser timeframes (5m, 1h incl. the 09:00 hour bar)', () => {
    const fives = resample(minute, '5m');
    expect(validateGaps(fives, { ...RANGE, timeframe: '5m' }).sessions.map((s) => [s.expected, s.present])).toEqual([
      [78, 78],
      [78, 78],
      [42, 42],
      [78, 78],
    ]);
    const hours = resample(minute, '1h');
    const ok = validateGaps(hours, { ...RANGE, timeframe: '1h' });
    expect(ok.sessions.map((s) => s.expected)).toEqual([7, 7, 4, 7]);
    expect(ok.ok).toBe(true);
    const holed = hours.filter((b) => formatNy(b.timestamp) !== '2025-07-07 09:00');
    const r = validateGaps(holed, { ...RANGE, timeframe: '1h' });
    // The 09:00 bar covers only 30 regular minutes (09:30-10:00).
    expect(r.outages.map((o) => [o.startLocal, o.endLocal, o.minutes])).toEqual([['2025-07-07 09:30', '2025-07-07 10:00', 30]]);
  });

  it('renders a readable fixed-width table', () => {
    const text = formatGapReport(validateGaps(withoutBlock(minute, '2025-07-02', '11:00', '11:20'), RANGE));
    expect(text).toContain('Gap report SPY 1m  2025-07-01 .. 2025-07-07');
    expect(text).toMatch(/2025-07-03\s+210\s+210\s+0\s+yes/);
    expect(text).toMatch(/2025-07-02\s+regular\s+11:00\s+11:20\s+20\s+20/);
    expect(text).toContain('Missing sessions (0): none');
    const rows = text.split('\n').filter((l) => /^\d{4}-\d{2}-\d{2} /.test(l));
    expect(new Set(rows.map((l) => l.length)).size).toBe(1);
  });
});

describe('SPY daily reference file (Stooq, 2023-01-03 .. 2026-02-09)', () => {
  const report = validateGaps(daily, { timeframe: '1d', from: '2023-01-03', to: '2026-02-09' });

  it('puts every bar on a trading session date at midnight ET', () => {
    expect(daily).toHaveLength(778);
    for (const b of daily) {
      expect(isTradingDay(sessionDateOf(b.timestamp))).toBe(true);
      expect(formatNy(b.timestamp).slice(11)).toBe('00:00');
    }
  });

  it('reports zero missing sessions (the 2025-01-09 closure is not a gap)', () => {
    expect(report.sessions).toHaveLength(778);
    expect(report.missingSessions).toEqual([]);
    expect(report.totals.missing).toBe(0);
    expect(report.sessions.some((s) => s.date === '2025-01-09')).toBe(false);
    expect(report.totals.outsideSession).toBe(0);
    expect(report.totals.misaligned).toBe(0);
    expect(report.ok).toBe(true);
  });

  it('flags the known bad 2026-02-02 low as a wick anomaly', () => {
    expect(report.anomalies.map((a) => [a.local.slice(0, 10), a.kind])).toEqual([['2026-02-02', 'wick']]);
  });

  it('finds a removed day and bars stamped at UTC midnight', () => {
    const removed = validateGaps(
      daily.filter((b) => sessionDateOf(b.timestamp) !== '2025-01-10'),
      { timeframe: '1d', from: '2025-01-01', to: '2025-01-31' },
    );
    expect(removed.missingSessions).toEqual(['2025-01-10']);
    // A common bug: daily bars stamped 00:00 UTC = 19:00 ET the day before.
    const utcStamped: GapBar[] = daily
      .filter((b) => sessionDateOf(b.timestamp).startsWith('2025-01'))
      .map((b) => ({ ...b, timestamp: new Date(`${sessionDateOf(b.timestamp)}T00:00:00Z`) }));
    const bad = validateGaps(utcStamped, { timeframe: '1d', from: '2025-01-01', to: '2025-01-31' });
    expect(bad.totals.misaligned).toBe(utcStamped.length);
    expect(bad.missingSessions.length).toBe(bad.sessions.length);
  });
});
