// lightweight-charts draws its time axis in UTC. Analysts read the exchange clock, so chart times
// are the instant shifted by New York's UTC offset at that instant ("ET wall time as if UTC").
// Offsets are cached per hour: a year of minute bars needs ~2,000 Intl lookups, not 100,000.
import type { UTCTimestamp } from 'lightweight-charts';
import { MARKET_TIME_ZONE } from '../app/format';

const HOUR = 3_600_000;
const offsetByHour = new Map<number, number>();
const zoneName = new Intl.DateTimeFormat('en-US', { timeZone: MARKET_TIME_ZONE, timeZoneName: 'longOffset' });

/** New York's offset from UTC in ms at `ms` (e.g. -4h in summer, -5h in winter). */
function nyOffsetMs(ms: number): number {
  const hour = Math.floor(ms / HOUR);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const name = zoneName.formatToParts(new Date(hour * HOUR)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    offset = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * HOUR + Number(match[3]) * 60_000) : 0;
    offsetByHour.set(hour, offset);
  }
  return offset;
}

/** Instant (ms since epoch) -> chart time (seconds of ET wall time). */
export function toChartTime(ms: number): UTCTimestamp {
  return Math.floor((ms + nyOffsetMs(ms)) / 1000) as UTCTimestamp;
}

/** Chart time -> instant (ms). Exact except within the repeated hour of a DST fall-back. */
export function fromChartTime(time: number): number {
  const guess = time * 1000;
  return guess - nyOffsetMs(guess - nyOffsetMs(guess));
}
