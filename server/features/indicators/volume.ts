// Volume-based indicators: OBV, MFI, session VWAP, and the New York session key.
import { assertPeriod, nanSeries, rollingSum } from './core';
import { typicalPrice } from './oscillators';

/**
 * On-balance volume (TA-Lib OBV): obv[0] = volume[0]; then +volume if close rose, -volume if it
 * fell, unchanged if equal. The level depends on where the history starts; only changes are
 * meaningful. First value at index 0.
 */
export function obv(close: ArrayLike<number>, volume: ArrayLike<number>): Float64Array {
  const len = close.length;
  const out = nanSeries(len);
  if (len === 0) return out;
  let prevObv = volume[0]!;
  let prevClose = close[0]!;
  out[0] = prevObv;
  for (let t = 1; t < len; t++) {
    const c = close[t]!;
    if (c > prevClose) prevObv += volume[t]!;
    else if (c < prevClose) prevObv -= volume[t]!;
    out[t] = prevObv;
    prevClose = c;
  }
  return out;
}

/**
 * Money Flow Index (TA-Lib MFI, current semantics): TP = (H+L+C)/3, raw flow = TP*volume,
 * positive when TP > TP[t-1], negative when TP < TP[t-1], neither when equal.
 * MFI = 100*pos/(pos+neg) over the last n bars (bars t-n+1..t); 0 when both sums are 0 (the empty
 * window, TA-Lib's ruling). No magnitude threshold (TA-Lib issue #244 removed the old `< 1.0`
 * guard). Exact zero sums are detected with counts of non-zero flows, not from the floating
 * accumulators; output is clamped to [0, 100]. First value at index n.
 */
export function mfi(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  volume: ArrayLike<number>,
  n = 14,
): Float64Array {
  assertPeriod('mfi', n);
  const len = close.length;
  const tp = typicalPrice(high, low, close);
  const pos = nanSeries(len);
  const neg = nanSeries(len);
  const posNz = nanSeries(len);
  const negNz = nanSeries(len);
  for (let t = 1; t < len; t++) {
    const flow = tp[t]! * volume[t]!;
    let p = 0;
    let m = 0;
    if (tp[t]! > tp[t - 1]!) p = flow;
    else if (tp[t]! < tp[t - 1]!) m = flow;
    pos[t] = p;
    neg[t] = m;
    posNz[t] = p !== 0 ? 1 : 0;
    negNz[t] = m !== 0 ? 1 : 0;
  }
  const ps = rollingSum(pos, n);
  const ns = rollingSum(neg, n);
  const pc = rollingSum(posNz, n);
  const nc = rollingSum(negNz, n);
  const out = nanSeries(len);
  for (let t = n; t < len; t++) {
    const p = pc[t] === 0 ? 0 : ps[t]!;
    const m = nc[t] === 0 ? 0 : ns[t]!;
    const s = p + m;
    if (s === 0) {
      out[t] = 0;
      continue;
    }
    const v = 100 * (p / s);
    out[t] = v < 0 ? 0 : v > 100 ? 100 : v;
  }
  return out;
}

/**
 * Session VWAP: cumulative sum(TP*volume)/sum(volume) since the first bar of the bar's session,
 * TP = (H+L+C)/3; the accumulation restarts whenever the session key changes. NaN (null) while
 * the session's cumulative volume is 0. On daily bars (one bar per session) it equals TP.
 */
export function sessionVwap(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  volume: ArrayLike<number>,
  sessionKeys: ArrayLike<string | number>,
): Float64Array {
  const len = close.length;
  const out = nanSeries(len);
  let pv = 0;
  let vol = 0;
  let key: string | number | undefined;
  for (let t = 0; t < len; t++) {
    const k = sessionKeys[t]!;
    if (t === 0 || k !== key) {
      pv = 0;
      vol = 0;
      key = k;
    }
    const v = volume[t]!;
    pv += ((high[t]! + low[t]! + close[t]!) / 3) * v;
    vol += v;
    if (vol !== 0) out[t] = pv / vol;
  }
  return out;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Before 1884 New York kept local mean time (UTC-4:56:02), so the whole-hour shortcut is invalid. */
const WHOLE_HOUR_OFFSETS_FROM = Date.UTC(1884, 0, 1);

const nyFormatter = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hourCycle: 'h23',
});
const ambiguousHourCache = new Map<number, number>();

function nyDayViaIntl(ms: number): number {
  let y = 0;
  let m = 0;
  let d = 0;
  for (const part of nyFormatter.formatToParts(new Date(ms))) {
    if (part.type === 'year') y = Number(part.value);
    else if (part.type === 'month') m = Number(part.value);
    else if (part.type === 'day') d = Number(part.value);
  }
  return Math.floor(Date.UTC(y, m - 1, d) / DAY_MS);
}

/**
 * The America/New_York calendar date of an instant, as an integer day number (days since
 * 1970-01-01 of that local date). Used as the default VWAP session key: sessions change at New
 * York midnight (so pre-, regular and post-market of one date form one session).
 *
 * Fast path: New York's offset is UTC-5 (EST) or UTC-4 (EDT), so the local date is the UTC date of
 * (t - 5h) == (t - 4h) unless the UTC hour is 04, the only hour where EST and EDT disagree. That
 * hour (which is exactly when Polygon stamps daily bars: 00:00 ET in summer) goes through Intl,
 * cached per UTC hour; so do instants before 1884.
 */
export function nySessionDay(timestamp: Date | number): number {
  const ms = typeof timestamp === 'number' ? timestamp : timestamp.getTime();
  if (ms >= WHOLE_HOUR_OFFSETS_FROM) {
    const hourIndex = Math.floor(ms / HOUR_MS);
    const utcHour = ((hourIndex % 24) + 24) % 24;
    if (utcHour !== 4) return Math.floor((ms - 5 * HOUR_MS) / DAY_MS);
    const cached = ambiguousHourCache.get(hourIndex);
    if (cached !== undefined) return cached;
    const day = nyDayViaIntl(ms);
    if (ambiguousHourCache.size > 100_000) ambiguousHourCache.clear();
    ambiguousHourCache.set(hourIndex, day);
    return day;
  }
  return nyDayViaIntl(ms);
}

/** Volume relative to its own n-bar average: volume / SMA(volume, n); NaN (null) when the average is 0. */
export function volumeRatio(volume: ArrayLike<number>, avg: ArrayLike<number>): Float64Array {
  const out = nanSeries(volume.length);
  for (let t = 0; t < out.length; t++) {
    const a = avg[t]!;
    if (a !== 0 && a === a) out[t] = volume[t]! / a;
  }
  return out;
}
