// The outcome rules of a prediction, decided from the stored bars and the NYSE calendar (pure: the
// repository reads the candidates and bars and writes what this decides, in one transaction).
//
// - Only regular-session bars count. A bar ends at its start + its span, capped at the session's
//   close (13:00 ET on half days); a daily bar ends at the session's close.
// - Reference price: close of the last such bar ending at or before predictionTime.
// - Outcome price: close of the last such bar ending at or before targetTime; a target on a
//   weekend, a holiday or after a half day's close therefore takes the last session close before it.
// - Both are used only when every bar the calendar expects from the reference bar to the outcome
//   bar is stored; otherwise the prediction stays PENDING until `graceMs` after targetTime, then
//   becomes UNRESOLVABLE with a reason naming the missing bars.
// - |change| <= the model's neutral band is NEUTRAL, above it UP, below its negative DOWN.
// - basePrice, when sent, is kept as sent and flagged when it differs from the reference price by
//   more than BASE_PRICE_TOLERANCE (relative).
import Decimal from 'decimal.js';
import { expectedBarStarts, previousTradingDay, sessionDateOf, sessionsBetween } from '../ingestion/calendar';
import { TIMEFRAME_MINUTES, type Timeframe } from '../market-data/schema';
import type { Direction } from './schema';

/** A relative difference between basePrice and the reference close above this is a mismatch (1 bp). */
const BASE_PRICE_TOLERANCE = 0.0001;

export type ResolutionStatus = 'PENDING' | 'RESOLVED' | 'UNRESOLVABLE';

/** A prediction to (re)decide: pending and due, or resolved on bars that have since changed. */
export interface ResolutionCandidate {
  id: string;
  ticker: string;
  timeframe: Timeframe;
  predictionTime: Date;
  targetTime: Date;
  basePrice: number | null;
  neutralBand: number;
  status: ResolutionStatus;
}

type Outcome =
  | {
      status: 'RESOLVED';
      referencePrice: number;
      referenceBarTime: Date;
      actualPrice: number;
      outcomeBarTime: Date;
      actualChange: number;
      actualDirection: Direction;
      basePriceMismatch: boolean | null;
    }
  | { status: 'UNRESOLVABLE'; reason: string };

/** A decision for one candidate (candidates that stay as they are get none). */
export type Decision = ResolutionCandidate & { outcome: Outcome };

interface SessionBar {
  start: number;
  end: number;
}

/**
 * The regular-session bars of `timeframe` the calendar expects from the session before `from`'s
 * date (where the reference bar of an early-morning prediction lies) through `to`'s date, by end.
 */
export function sessionBars(timeframe: Timeframe, from: Date, to: Date): SessionBar[] {
  const spanMs = TIMEFRAME_MINUTES[timeframe] * 60_000;
  return sessionsBetween(previousTradingDay(sessionDateOf(from)), sessionDateOf(to)).flatMap((session) =>
    expectedBarStarts(session, timeframe).map((start) => ({
      start: start.getTime(),
      end: timeframe === '1d' ? session.close.getTime() : Math.min(start.getTime() + spanMs, session.close.getTime()),
    })),
  );
}

/** Index of the last bar ending at or before `ms` (bars sorted by end), -1 when none. */
function lastEndingBy(bars: readonly SessionBar[], ms: number): number {
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bars[mid]!.end <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function directionOf(change: Decimal, neutralBand: number): Direction {
  if (change.abs().lte(neutralBand)) return 'NEUTRAL';
  return change.isPositive() ? 'UP' : 'DOWN';
}

/**
 * The outcome of one candidate, or null while it must wait. `grid` must cover the candidate
 * (sessionBars over its predictionTime..targetTime); `closes` maps stored bar starts to closes.
 */
function decideOutcome(
  candidate: ResolutionCandidate,
  grid: readonly SessionBar[],
  closes: ReadonlyMap<number, number>,
  now: Date,
  graceMs: number,
): Outcome | null {
  const first = lastEndingBy(grid, candidate.predictionTime.getTime());
  const last = lastEndingBy(grid, candidate.targetTime.getTime());
  const needed = first < 0 ? [] : grid.slice(first, last + 1);
  const missing = needed.filter((bar) => !closes.has(bar.start));
  if (needed.length > 0 && missing.length === 0) {
    const referencePrice = closes.get(grid[first]!.start)!;
    const actualPrice = closes.get(grid[last]!.start)!;
    const change = new Decimal(actualPrice).minus(referencePrice).div(referencePrice);
    const { basePrice } = candidate;
    return {
      status: 'RESOLVED',
      referencePrice,
      referenceBarTime: new Date(grid[first]!.start),
      actualPrice,
      outcomeBarTime: new Date(grid[last]!.start),
      actualChange: change.toNumber(),
      actualDirection: directionOf(change, candidate.neutralBand),
      basePriceMismatch: basePrice === null ? null : new Decimal(basePrice).minus(referencePrice).abs().div(referencePrice).gt(BASE_PRICE_TOLERANCE),
    };
  }
  // A resolved prediction whose bars are now incomplete keeps its outcome.
  if (candidate.status !== 'PENDING' || now.getTime() < candidate.targetTime.getTime() + graceMs) return null;
  const reason =
    needed.length === 0
      ? 'no regular-session bar ends before predictionTime'
      : `${missing.length} of ${needed.length} expected ${candidate.timeframe} bars missing, first at ${new Date(missing[0]!.start).toISOString()}`;
  return { status: 'UNRESOLVABLE', reason };
}

/** Decides every candidate of one series against that series' stored closes. */
export function decideSeries(
  candidates: readonly ResolutionCandidate[],
  closes: ReadonlyMap<number, number>,
  grid: readonly SessionBar[],
  now: Date,
  graceMs: number,
): Decision[] {
  return candidates.flatMap((candidate) => {
    const outcome = decideOutcome(candidate, grid, closes, now, graceMs);
    return outcome ? [{ ...candidate, outcome }] : [];
  });
}
