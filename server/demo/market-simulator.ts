// Deterministic, realistic synthetic bars for the demo: a seeded random walk whose volatility
// clusters (GARCH(1,1) on one-minute returns), traded only inside NYSE regular sessions, with a
// U-shaped intraday volume profile and overnight gaps. Same seed and dates -> the same bars.
import { getSession, sessionsBetween, type Session, bucketStartMs } from '../ingestion/calendar';
import { TIMEFRAME_MINUTES, type Bar, type Timeframe } from '../market-data/schema';

/** The `source` of every simulated bar: they come from no market. */
const DEMO_SOURCE = 'demo';

export interface TickerProfile {
  ticker: string;
  startPrice: number;
  /** Annualised volatility around which GARCH variance mean-reverts. */
  annualVol: number;
  /** Annualised drift (UVXY decays hard). */
  annualDrift: number;
  /** Mean shares per regular-session minute. */
  minuteVolume: number;
}

export const DEMO_TICKERS: TickerProfile[] = [
  { ticker: 'SPY', startPrice: 470, annualVol: 0.16, annualDrift: 0.1, minuteVolume: 180_000 },
  { ticker: 'QQQ', startPrice: 400, annualVol: 0.21, annualDrift: 0.12, minuteVolume: 110_000 },
  { ticker: 'IWM', startPrice: 195, annualVol: 0.24, annualDrift: 0.04, minuteVolume: 70_000 },
  { ticker: 'UVXY', startPrice: 28, annualVol: 0.85, annualDrift: -0.6, minuteVolume: 60_000 },
];

/** mulberry32: tiny, fast, good enough for simulation, and reproducible everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const MINUTES_PER_YEAR = 252 * 390;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** One-minute regular-session bars for every session between the two dates (inclusive). */
export function simulateMinuteBars(profile: TickerProfile, sessions: Session[], seed: number): Bar[] {
  const random = seededRandom(seed);
  const longRunVar = profile.annualVol ** 2 / MINUTES_PER_YEAR;
  const [alpha, beta] = [0.05, 0.93];
  const omega = longRunVar * (1 - alpha - beta);
  const drift = profile.annualDrift / MINUTES_PER_YEAR;
  let variance = longRunVar;
  let lastReturn = 0;
  let price = profile.startPrice;
  const bars: Bar[] = [];
  for (const session of sessions) {
    // Overnight gap: about a third of a day's variance, realised at the open.
    price *= Math.exp(gaussian(random) * Math.sqrt(variance * 130));
    const minutes = (session.close.getTime() - session.open.getTime()) / 60_000;
    for (let m = 0; m < minutes; m++) {
      variance = omega + alpha * lastReturn ** 2 + beta * variance;
      lastReturn = drift + gaussian(random) * Math.sqrt(variance);
      const open = round2(price);
      price *= Math.exp(lastReturn);
      const close = round2(price);
      const wick = Math.sqrt(variance) * price;
      const high = round2(Math.max(open, close) + Math.abs(gaussian(random)) * wick * 0.6);
      const low = round2(Math.max(0.01, Math.min(open, close) - Math.abs(gaussian(random)) * wick * 0.6));
      // U-shaped intraday volume, louder when volatility is high.
      const u = m / Math.max(1, minutes - 1);
      const shape = 0.6 + 2.2 * (u - 0.5) ** 2 * 4;
      const volume = Math.round(profile.minuteVolume * shape * Math.sqrt(variance / longRunVar) * Math.exp(0.35 * gaussian(random)));
      bars.push({
        ticker: profile.ticker,
        timeframe: '1m',
        timestamp: new Date(session.open.getTime() + m * 60_000),
        open,
        high: Math.max(high, open, close),
        low: Math.min(low, open, close),
        close,
        volume,
        vwap: round2((open + close + high + low) / 4),
        tradeCount: Math.max(1, Math.round(volume / 90)),
        source: DEMO_SOURCE,
      });
    }
  }
  return bars;
}

/** Aggregates one-minute bars into `timeframe` buckets on the same grid the calendar uses. */
export function aggregateBars(minuteBars: readonly Bar[], timeframe: Timeframe): Bar[] {
  const span = TIMEFRAME_MINUTES[timeframe];
  const out: Bar[] = [];
  let current: Bar | null = null;
  let notional = 0;
  for (const bar of minuteBars) {
    const start = bucketStartMs(bar.timestamp.getTime(), span);
    if (!current || current.timestamp.getTime() !== start) {
      if (current) out.push({ ...current, vwap: round2(notional / Math.max(current.volume, 1)) });
      current = { ...bar, timeframe, timestamp: new Date(start), tradeCount: 0, volume: 0 };
      notional = 0;
    }
    current.high = Math.max(current.high, bar.high);
    current.low = Math.min(current.low, bar.low);
    current.close = bar.close;
    current.volume += bar.volume;
    current.tradeCount = (current.tradeCount ?? 0) + (bar.tradeCount ?? 0);
    notional += (bar.vwap ?? bar.close) * bar.volume;
  }
  if (current) out.push({ ...current, vwap: round2(notional / Math.max(current.volume, 1)) });
  return out;
}

/** The last completed session strictly before `now` (a session is complete after its close). */
export function lastCompletedSession(now: Date): Session {
  for (let probe = new Date(now); ; probe = new Date(probe.getTime() - 86_400_000)) {
    const session = getSession(probe);
    if (session && session.close.getTime() <= now.getTime()) return session;
  }
}

export { sessionsBetween };
