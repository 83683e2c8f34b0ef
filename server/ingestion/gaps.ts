// Trading-calendar-aware gap validation of one ticker/timeframe bar series. Pure: no DB, no I/O.
//
// What counts as a gap
// - Only REGULAR-session bar slots are expected (calendar.expectedBarStarts): weekends, holidays,
//   nights and the afternoon of an early-close day are never gaps.
// - A session with no regular-session bar at all is a missing session (not also an outage).
// - Inside a session, a run of consecutive missing slots is an OUTAGE when it covers more than
//   `outageMinutes` (default 15) of the regular session; shorter runs are normal "no trades in that
//   minute" holes (Polygon emits no bar without trades) and are only counted (`singleMissing`).
// - Extended-hours bars (04:00-09:30, close-20:00 incl. a bar stamped exactly 20:00; 17:00 on
//   early-close days) are inside a session
//   unless `extended: false`; they are never expected (thin, sparse trading) unless
//   `extendedOutageMinutes` is given, which reports long extended-hours holes as outages too.
// - Anomalies: non-finite values, OHLC invariant violations (high below open/close/low, low above
//   open/close/high, non-positive prices, negative volume), extreme wicks (default >20% of the body
//   edge) and extended-hours prints more than `extendedOutlierPct` (default 5%) outside the same
//   session's regular-hours range. Anomalies do not change presence counts.
// - A bar whose timestamp is not on the timeframe grid (see calendar.ts alignment note) is
//   `misaligned` and does not count as present; duplicates count once and are listed.
import {
  addDays,
  calendarDay,
  expectedBarStarts,
  formatNy,
  getSession,
  isAlignedBarStart,
  nyMidnightUtcMs,
  sessionDateOf,
  sessionsBetween,
  type Session,
} from './calendar';
import { TIMEFRAME_MINUTES, type Timeframe } from '../market-data/schema';

/** The fields gap validation reads; the project's Bar type satisfies it. */
export interface GapBar {
  timestamp: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number | null;
  ticker?: string;
  timeframe?: Timeframe;
}

export interface GapValidationOptions {
  /** Defaults to the `timeframe` field of the first bar. */
  timeframe?: Timeframe;
  /** Range start. A 'YYYY-MM-DD' string means that whole session date; a Date is an instant (inclusive). */
  from: Date | string;
  /** Range end. A 'YYYY-MM-DD' string means that whole session date; a Date is an instant (inclusive). */
  to: Date | string;
  /** Runs of missing regular-session bars longer than this many minutes are outages. Default 15. */
  outageMinutes?: number;
  /** false: extended-hours bars count as outside the session. Default: allowed. */
  extended?: boolean;
  /** When set (and extended hours are allowed), extended-hours holes longer than this are outages. */
  extendedOutageMinutes?: number;
  /** Extended-hours print this far beyond the regular range (fraction) is an anomaly. Default 0.05. */
  extendedOutlierPct?: number;
  /** Wick longer than this fraction of the body edge is an anomaly. Default 0.2. */
  wickPct?: number;
  /** Maximum entries kept in each listed category (totals always count everything). Default 500. */
  maxListed?: number;
  /** Label for the report. Defaults to the `ticker` of the first bar. */
  ticker?: string;
}

interface SessionGapRow {
  date: string;
  expected: number;
  present: number;
  missing: number;
  earlyClose: boolean;
  /** Extended-hours bars present in this session. */
  extendedBars: number;
  /** Outages (regular + extended) in this session. */
  outages: number;
}

interface Outage {
  date: string;
  segment: 'regular' | 'extended';
  /** ISO instant of the first missing minute covered. */
  start: string;
  /** ISO instant just after the last missing minute (exclusive end). */
  end: string;
  /** New York wall-clock 'YYYY-MM-DD HH:MM'. */
  startLocal: string;
  endLocal: string;
  minutes: number;
  /** Missing bars in the run. */
  bars: number;
}

interface BarIssue {
  timestamp: string;
  local: string;
  reason: string;
}

interface DuplicateBar {
  timestamp: string;
  local: string;
  count: number;
}

type AnomalyKind = 'non_finite' | 'ohlc_invariant' | 'wick' | 'extended_outlier';

interface Anomaly {
  timestamp: string;
  local: string;
  kind: AnomalyKind;
  detail: string;
}

export interface GapReport {
  ticker: string | null;
  timeframe: Timeframe;
  from: string;
  to: string;
  extendedAllowed: boolean;
  outageMinutes: number;
  sessions: SessionGapRow[];
  /** Session dates with no regular-session bar at all. */
  missingSessions: string[];
  outages: Outage[];
  /** Missing regular-session bars in runs of <= outageMinutes (normal no-trade holes). */
  singleMissing: number;
  /** Number of such short runs. */
  shortGapRuns: number;
  outsideSession: BarIssue[];
  misaligned: BarIssue[];
  duplicates: DuplicateBar[];
  anomalies: Anomaly[];
  totals: {
    bars: number;
    inRange: number;
    outOfRange: number;
    sessions: number;
    expected: number;
    present: number;
    missing: number;
    missingSessions: number;
    outages: number;
    outageMinutes: number;
    singleMissing: number;
    extendedBars: number;
    outsideSession: number;
    misaligned: number;
    duplicates: number;
    anomalies: number;
  };
  /** True when there are no missing sessions, outages, outside/misaligned bars or duplicates. */
  ok: boolean;
}

const MINUTE_MS = 60_000;
/** A run of missing regular-session bars longer than this is an outage, not minutes without trades. */
export const DEFAULT_OUTAGE_MINUTES = 15;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

interface SessionState {
  session: Session;
  present: Set<number>;
  extended: Set<number>;
  extendedBars: GapBar[];
  regLow: number;
  regHigh: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function pushCapped<T>(list: T[], item: T, cap: number): void {
  if (list.length < cap) list.push(item);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** Validate a bar series against the NYSE calendar. See the file header for the rules. */
export function validateGaps(bars: readonly GapBar[], options: GapValidationOptions): GapReport {
  const timeframe = options.timeframe ?? bars[0]?.timeframe;
  if (!timeframe) throw new Error('validateGaps: timeframe is required (none given and no bars to infer it from)');
  const spanMin = TIMEFRAME_MINUTES[timeframe];
  const spanMs = spanMin * MINUTE_MS;
  const daily = timeframe === '1d';
  const outageMinutes = options.outageMinutes ?? DEFAULT_OUTAGE_MINUTES;
  const extendedAllowed = options.extended !== false;
  const outlierPct = options.extendedOutlierPct ?? 0.05;
  const wickPct = options.wickPct ?? 0.2;
  const cap = options.maxListed ?? 500;

  // Range: strings are whole session dates, Dates are inclusive instants.
  const fromDate = typeof options.from === 'string' ? checkDate(options.from) : sessionDateOf(options.from);
  const toDate = typeof options.to === 'string' ? checkDate(options.to) : sessionDateOf(options.to);
  const fromMs = typeof options.from === 'string' ? nyMidnightUtcMs(options.from) : options.from.getTime();
  const toMs = typeof options.to === 'string' ? nyMidnightUtcMs(addDays(options.to, 1)) - 1 : options.to.getTime();
  const inRange = (ms: number): boolean => ms >= fromMs && ms <= toMs;

  const states = new Map<string, SessionState>();
  for (const session of sessionsBetween(fromDate, toDate)) {
    states.set(session.date, {
      session,
      present: new Set(),
      extended: new Set(),
      extendedBars: [],
      regLow: Infinity,
      regHigh: -Infinity,
    });
  }

  const outsideSession: BarIssue[] = [];
  const misaligned: BarIssue[] = [];
  const anomalies: Anomaly[] = [];
  const seen = new Map<number, number>();
  let outsideCount = 0;
  let misalignedCount = 0;
  let anomalyCount = 0;
  let inRangeCount = 0;
  let extendedTotal = 0;

  const addAnomaly = (ms: number, kind: AnomalyKind, detail: string): void => {
    anomalyCount++;
    pushCapped(anomalies, { timestamp: iso(ms), local: formatNy(ms), kind, detail }, cap);
  };
  const addOutside = (ms: number, reason: string): void => {
    outsideCount++;
    pushCapped(outsideSession, { timestamp: iso(ms), local: formatNy(ms), reason }, cap);
  };

  const sorted = [...bars].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  for (const bar of sorted) {
    const ms = bar.timestamp.getTime();
    if (!Number.isFinite(ms) || !inRange(ms)) continue;
    inRangeCount++;

    // Value checks (independent of placement).
    const { open: o, high: h, low: l, close: c } = bar;
    const v = bar.volume ?? 0;
    let valid = true;
    if (![o, h, l, c, v].every(Number.isFinite)) {
      addAnomaly(ms, 'non_finite', `o=${o} h=${h} l=${l} c=${c} v=${v}`);
      valid = false;
    } else {
      const problems: string[] = [];
      if (h < Math.max(o, c, l)) problems.push(`high ${h} < max(open, close, low) ${Math.max(o, c, l)}`);
      if (l > Math.min(o, c, h)) problems.push(`low ${l} > min(open, close, high) ${Math.min(o, c, h)}`);
      if (Math.min(o, h, l, c) <= 0) problems.push('non-positive price');
      if (v < 0) problems.push(`negative volume ${v}`);
      if (problems.length > 0) {
        addAnomaly(ms, 'ohlc_invariant', problems.join('; '));
        valid = false;
      } else {
        const bodyLow = Math.min(o, c);
        const bodyHigh = Math.max(o, c);
        if ((bodyLow - l) / bodyLow > wickPct) addAnomaly(ms, 'wick', `low ${l} is ${pct((bodyLow - l) / bodyLow)} below the body (${bodyLow})`);
        if ((h - bodyHigh) / bodyHigh > wickPct) addAnomaly(ms, 'wick', `high ${h} is ${pct((h - bodyHigh) / bodyHigh)} above the body (${bodyHigh})`);
      }
    }

    // Duplicates: count, keep the first occurrence only.
    const prior = seen.get(ms) ?? 0;
    seen.set(ms, prior + 1);
    if (prior > 0) continue;

    if (!isAlignedBarStart(ms, timeframe)) {
      misalignedCount++;
      pushCapped(misaligned, { timestamp: iso(ms), local: formatNy(ms), reason: `not a ${timeframe} bar start` }, cap);
      continue;
    }

    const date = sessionDateOf(ms);
    const state = states.get(date);
    const session = state?.session ?? getSession(date);
    if (!session) {
      const day = calendarDay(date);
      addOutside(ms, day.status === 'weekend' ? 'weekend' : `market closed: ${day.name ?? day.status}`);
      continue;
    }
    if (!state) continue; // a session date outside [from, to] cannot happen for in-range bars; be safe

    if (daily) {
      state.present.add(ms);
      continue;
    }

    const end = ms + spanMs;
    const open = session.open.getTime();
    const close = session.close.getTime();
    if (ms < close && end > open) {
      state.present.add(ms);
      if (valid) {
        state.regLow = Math.min(state.regLow, l);
        state.regHigh = Math.max(state.regHigh, h);
      }
    } else if (ms <= session.extendedClose.getTime() && end > session.extendedOpen.getTime()) {
      // Inclusive end: vendors stamp late trade reports / closing prints at exactly 20:00 (17:00 on
      // early-close days) - the SPY reference file has such a bar every day.
      if (!extendedAllowed) {
        addOutside(ms, 'extended hours (not allowed)');
        continue;
      }
      extendedTotal++;
      state.extended.add(ms);
      if (valid) state.extendedBars.push(bar);
    } else {
      addOutside(ms, session.earlyClose ? 'outside trading hours (early-close day)' : 'outside trading hours');
    }
  }

  // Extended-hours prints far outside the regular session's range.
  for (const state of states.values()) {
    if (!Number.isFinite(state.regLow)) continue;
    for (const bar of state.extendedBars) {
      const ms = bar.timestamp.getTime();
      const below = (state.regLow - bar.low) / state.regLow;
      const above = (bar.high - state.regHigh) / state.regHigh;
      if (below > outlierPct) {
        addAnomaly(ms, 'extended_outlier', `low ${bar.low} is ${pct(below)} below the regular-session low ${state.regLow}`);
      }
      if (above > outlierPct) {
        addAnomaly(ms, 'extended_outlier', `high ${bar.high} is ${pct(above)} above the regular-session high ${state.regHigh}`);
      }
    }
  }
  anomalies.sort((a, b) => a.timestamp.localeCompare(b.timestamp));

  // Expected vs present, per session.
  const sessions: SessionGapRow[] = [];
  const missingSessions: string[] = [];
  const outages: Outage[] = [];
  let singleMissing = 0;
  let shortGapRuns = 0;

  for (const state of states.values()) {
    const { session } = state;
    const expected = expectedBarStarts(session, timeframe)
      .map((d) => d.getTime())
      .filter((t) => daily || (t >= fromMs && t <= toMs));
    if (expected.length === 0) continue;
    const present = expected.filter((t) => state.present.has(t)).length;
    const row: SessionGapRow = {
      date: session.date,
      expected: expected.length,
      present,
      missing: expected.length - present,
      earlyClose: session.earlyClose,
      extendedBars: state.extended.size,
      outages: 0,
    };
    sessions.push(row);
    if (present === 0) {
      missingSessions.push(session.date);
      continue;
    }
    if (daily) continue;

    const runs = missingRuns(expected, state.present, spanMs, session.open.getTime(), session.close.getTime());
    for (const run of runs) {
      if (run.minutes > outageMinutes) {
        outages.push(makeOutage(session.date, 'regular', run));
        row.outages++;
      } else {
        singleMissing += run.bars;
        shortGapRuns++;
      }
    }

    if (extendedAllowed && options.extendedOutageMinutes !== undefined) {
      const windows: Array<[number, number]> = [
        [session.extendedOpen.getTime(), session.open.getTime()],
        [session.close.getTime(), session.extendedClose.getTime()],
      ];
      for (const [wFrom, wTo] of windows) {
        // Slots straddling the open/close belong to the regular grid; only purely-extended ones here.
        const extSlots = expectedSlots(wFrom, wTo, spanMs, timeframe).filter(
          (t) => t >= wFrom && t + spanMs <= wTo && t >= fromMs && t <= toMs,
        );
        for (const run of missingRuns(extSlots, state.extended, spanMs, wFrom, wTo)) {
          if (run.minutes > options.extendedOutageMinutes) {
            outages.push(makeOutage(session.date, 'extended', run));
            row.outages++;
          }
        }
      }
    }
  }
  outages.sort((a, b) => a.start.localeCompare(b.start));

  const duplicates: DuplicateBar[] = [];
  let duplicateCount = 0;
  for (const [ms, count] of seen) {
    if (count > 1) {
      duplicateCount += count - 1;
      pushCapped(duplicates, { timestamp: iso(ms), local: formatNy(ms), count }, cap);
    }
  }

  const expectedTotal = sessions.reduce((s, r) => s + r.expected, 0);
  const presentTotal = sessions.reduce((s, r) => s + r.present, 0);
  const totals: GapReport['totals'] = {
    bars: bars.length,
    inRange: inRangeCount,
    outOfRange: bars.length - inRangeCount,
    sessions: sessions.length,
    expected: expectedTotal,
    present: presentTotal,
    missing: expectedTotal - presentTotal,
    missingSessions: missingSessions.length,
    outages: outages.length,
    outageMinutes: outages.reduce((s, o) => s + o.minutes, 0),
    singleMissing,
    extendedBars: extendedTotal,
    outsideSession: outsideCount,
    misaligned: misalignedCount,
    duplicates: duplicateCount,
    anomalies: anomalyCount,
  };

  return {
    ticker: options.ticker ?? bars[0]?.ticker ?? null,
    timeframe,
    from: typeof options.from === 'string' ? options.from : options.from.toISOString(),
    to: typeof options.to === 'string' ? options.to : options.to.toISOString(),
    extendedAllowed,
    outageMinutes,
    sessions,
    missingSessions,
    outages,
    singleMissing,
    shortGapRuns,
    outsideSession,
    misaligned,
    duplicates,
    anomalies,
    totals,
    ok: missingSessions.length === 0 && outages.length === 0 && outsideCount === 0 && misalignedCount === 0 && duplicateCount === 0,
  };
}

function checkDate(date: string): string {
  if (!DATE_RE.test(date)) throw new Error(`Invalid date "${date}" (expected YYYY-MM-DD)`);
  return date;
}

function expectedSlots(from: number, to: number, spanMs: number, timeframe: Timeframe): number[] {
  const out: number[] = [];
  let t = from;
  while (!isAlignedBarStart(t, timeframe)) t -= MINUTE_MS;
  for (; t < to; t += spanMs) out.push(t);
  return out;
}

interface MissingRun {
  start: number;
  end: number;
  minutes: number;
  bars: number;
}

/** Consecutive missing slots, clipped to the [windowOpen, windowClose) they are measured in. */
function missingRuns(slots: readonly number[], present: ReadonlySet<number>, spanMs: number, windowOpen: number, windowClose: number): MissingRun[] {
  const runs: MissingRun[] = [];
  let run: MissingRun | null = null;
  for (const t of slots) {
    if (present.has(t)) {
      run = null;
      continue;
    }
    const start = Math.max(t, windowOpen);
    const end = Math.min(t + spanMs, windowClose);
    if (run && run.end === start) {
      run.end = end;
      run.bars++;
      run.minutes = Math.round((run.end - run.start) / MINUTE_MS);
    } else {
      run = { start, end, bars: 1, minutes: Math.round((end - start) / MINUTE_MS) };
      runs.push(run);
    }
  }
  return runs;
}

function makeOutage(date: string, segment: Outage['segment'], run: MissingRun): Outage {
  return {
    date,
    segment,
    start: iso(run.start),
    end: iso(run.end),
    startLocal: formatNy(run.start),
    endLocal: formatNy(run.end),
    minutes: run.minutes,
    bars: run.bars,
  };
}

// ---------------------------------------------------------------------------------------------
// Text rendering
// ---------------------------------------------------------------------------------------------

function pad(value: string | number, width: number, right = false): string {
  const s = String(value);
  return right ? s.padStart(width) : s.padEnd(width);
}

/** Human-readable fixed-width rendering of a GapReport (for CLIs and logs). */
export function formatGapReport(report: GapReport, options: { maxRows?: number } = {}): string {
  const maxRows = options.maxRows ?? 50;
  const t = report.totals;
  const lines: string[] = [];
  lines.push(
    `Gap report ${report.ticker ?? '?'} ${report.timeframe}  ${report.from} .. ${report.to}  ` +
      `(extended hours ${report.extendedAllowed ? 'allowed' : 'not allowed'}; outage = gap > ${report.outageMinutes} min)`,
  );
  lines.push(`Status: ${report.ok ? 'OK' : 'PROBLEMS FOUND'}`);
  lines.push('');
  const header = `${pad('date', 10)}  ${pad('expected', 8, true)}  ${pad('present', 7, true)}  ${pad('missing', 7, true)}  ${pad('early', 5)}  ${pad('ext', 5, true)}  ${pad('outages', 7, true)}`;
  lines.push(header);
  lines.push('-'.repeat(header.length));
  for (const r of report.sessions) {
    lines.push(
      `${pad(r.date, 10)}  ${pad(r.expected, 8, true)}  ${pad(r.present, 7, true)}  ${pad(r.missing, 7, true)}  ${pad(r.earlyClose ? 'yes' : '', 5)}  ${pad(r.extendedBars, 5, true)}  ${pad(r.outages, 7, true)}`,
    );
  }
  lines.push('-'.repeat(header.length));
  lines.push(
    `${pad('total', 10)}  ${pad(t.expected, 8, true)}  ${pad(t.present, 7, true)}  ${pad(t.missing, 7, true)}  ${pad('', 5)}  ${pad(t.extendedBars, 5, true)}  ${pad(t.outages, 7, true)}`,
  );
  lines.push('');
  lines.push(`Missing sessions (${report.missingSessions.length}): ${report.missingSessions.length ? report.missingSessions.join(', ') : 'none'}`);
  lines.push(`Outages (${report.outages.length}, ${t.outageMinutes} min):${report.outages.length ? '' : ' none'}`);
  if (report.outages.length) {
    lines.push(`  ${pad('date', 10)}  ${pad('segment', 8)}  ${pad('start ET', 8)}  ${pad('end ET', 8)}  ${pad('minutes', 7, true)}  ${pad('bars', 5, true)}`);
    for (const o of report.outages.slice(0, maxRows)) {
      lines.push(`  ${pad(o.date, 10)}  ${pad(o.segment, 8)}  ${pad(o.startLocal.slice(11), 8)}  ${pad(o.endLocal.slice(11), 8)}  ${pad(o.minutes, 7, true)}  ${pad(o.bars, 5, true)}`);
    }
    if (report.outages.length > maxRows) lines.push(`  ... ${report.outages.length - maxRows} more`);
  }
  lines.push(`Short gaps (<= ${report.outageMinutes} min, normal no-trade holes): ${report.singleMissing} bars in ${report.shortGapRuns} runs`);
  const listing = (title: string, total: number, items: Array<{ local: string; text: string }>): void => {
    lines.push(`${title} (${total}):${total ? '' : ' none'}`);
    for (const it of items.slice(0, maxRows)) lines.push(`  ${pad(it.local, 16)}  ${it.text}`);
    if (total > Math.min(items.length, maxRows)) lines.push(`  ... ${total - Math.min(items.length, maxRows)} more`);
  };
  listing('Outside session', t.outsideSession, report.outsideSession.map((b) => ({ local: b.local, text: b.reason })));
  listing('Misaligned', t.misaligned, report.misaligned.map((b) => ({ local: b.local, text: b.reason })));
  listing('Duplicates', t.duplicates, report.duplicates.map((d) => ({ local: d.local, text: `${d.count} copies` })));
  listing('Anomalies', t.anomalies, report.anomalies.map((a) => ({ local: a.local, text: `${pad(a.kind, 16)}  ${a.detail}` })));
  lines.push('');
  lines.push(
    `Totals: bars ${t.bars} (in range ${t.inRange}), sessions ${t.sessions}, expected ${t.expected}, present ${t.present}, ` +
      `missing ${t.missing}, missing sessions ${t.missingSessions}, outages ${t.outages}, extended bars ${t.extendedBars}`,
  );
  return lines.join('\n');
}
