// Is there a data gap between two consecutive stored bars of a series? The NYSE calendar decides
// (server/ingestion/calendar.ts), with the rule of the gap report (server/ingestion/gaps.ts): only
// regular-session bar slots are expected, so nights, weekends, holidays and the afternoon of an
// early close are never gaps; a session without any bar is a gap; inside a session, a run of
// missing slots is a gap (an outage) when it covers more than DEFAULT_OUTAGE_MINUTES, and shorter
// runs are minutes without trades (Polygon emits no bar for them), not gaps. Extended-hours bars
// are never expected. For daily bars every missing session is a gap.
import { expectedBarStarts, sessionsBetween } from '../ingestion/calendar';
import { DEFAULT_OUTAGE_MINUTES } from '../ingestion/gaps';
import { TIMEFRAME_MINUTES, type Timeframe } from '../market-data/schema';

const MINUTE_MS = 60_000;

export class GapDetector {
  private readonly spanMs: number;
  /** Expected regular-session bar starts (Unix ms) per session date; sessions recur across tickers. */
  private readonly slots = new Map<string, number[]>();

  constructor(private readonly timeframe: Timeframe) {
    this.spanMs = TIMEFRAME_MINUTES[timeframe] * MINUTE_MS;
  }

  /** True when the slots strictly between the bars starting at `previous` and `next` hold a gap. */
  between(previous: number, next: number): boolean {
    const missingAtMost = next - previous - this.spanMs;
    // The common cases need no calendar: adjacent bars, or a hole too short to be an outage.
    if (missingAtMost <= 0 || (this.timeframe !== '1d' && missingAtMost <= DEFAULT_OUTAGE_MINUTES * MINUTE_MS)) return false;
    for (const session of sessionsBetween(new Date(previous), new Date(next))) {
      let expected = this.slots.get(session.date);
      if (!expected) this.slots.set(session.date, (expected = expectedBarStarts(session, this.timeframe).map((d) => d.getTime())));
      const missing = expected.filter((slot) => slot > previous && slot < next).length;
      if (missing === 0) continue;
      if (missing === expected.length || this.timeframe === '1d') return true; // a whole session without bars
      if (missing * this.spanMs > DEFAULT_OUTAGE_MINUTES * MINUTE_MS) return true;
    }
    return false;
  }
}
