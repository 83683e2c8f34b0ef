// The backtest of a model version: its resolved predictions replayed as trades against stored bars,
// in decimal arithmetic. Rules (README "Backtest"):
// - a prediction is a signal when its confidence >= minConfidence: UP goes long, DOWN goes short
//   (shortOnDown) or stays flat, NEUTRAL stays flat;
// - no look-ahead: it enters at the close of the last bar that ENDED at or before predictionTime and
//   exits at the close of the last bar that ended at or before targetTime (the repository finds them);
// - one position at a time: a signal whose predictionTime is before the open trade's targetTime is
//   skipped, as is one without both bars or whose exit bar is not after its entry bar;
// - costs: feeBps + slippageBps are paid on each side, so a trade's net return is its gross return
//   minus 2 x (feeBps + slippageBps) / 10,000; equity starts at 1 and compounds trade by trade.
import Decimal from 'decimal.js';

export interface BacktestParameters {
  feeBps: number;
  slippageBps: number;
  minConfidence: number;
  shortOnDown: boolean;
}

/** A resolved prediction with the bars it would have traded at (`at` = the bar's end). */
export interface ReplaySignal {
  predictionTime: Date;
  targetTime: Date;
  direction: 'UP' | 'DOWN' | 'NEUTRAL';
  confidence: number;
  entry: { at: Date; close: string } | null;
  exit: { at: Date; close: string } | null;
}

interface BacktestTrade {
  side: 'LONG' | 'SHORT';
  entryAt: string;
  entryPrice: number;
  exitAt: string;
  exitPrice: number;
  /** Net of costs, as a fraction (0.01 = +1 %). */
  netReturn: number;
}

interface EquityPoint {
  at: string;
  equity: number;
  buyAndHold: number;
}

interface BacktestStatistics {
  trades: number;
  totalReturn: number;
  buyAndHoldReturn: number | null;
  cagr: number | null;
  sharpe: number | null;
  sortino: number | null;
  /** Largest fall from a peak of equity, as a positive fraction (0.12 = 12 %). */
  maxDrawdown: number;
  /** From that peak to the recovery of its level (or to the last point when it never recovered). */
  maxDrawdownDurationDays: number;
  winRate: number | null;
  /** Time in a position over the span from the first entry to the last exit. */
  exposure: number | null;
  /** Money won by winning trades over money lost by losing ones; null without a losing trade. */
  profitFactor: number | null;
  spanFrom: string | null;
  spanTo: string | null;
}

export interface BacktestResult {
  statistics: BacktestStatistics;
  equityCurve: EquityPoint[];
  trades: BacktestTrade[];
}

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
const BPS = new Decimal(10_000);

export function runBacktest(signals: readonly ReplaySignal[], params: BacktestParameters): BacktestResult {
  const roundTripCost = new Decimal(params.feeBps).plus(params.slippageBps).times(2).div(BPS);
  const trades: Array<{ side: 'LONG' | 'SHORT'; entry: { at: Date; close: Decimal }; exit: { at: Date; close: Decimal }; net: Decimal }> = [];
  let busyUntil = -Infinity;
  for (const s of [...signals].sort((a, b) => a.predictionTime.getTime() - b.predictionTime.getTime())) {
    if (s.confidence < params.minConfidence || s.predictionTime.getTime() < busyUntil) continue;
    const side = s.direction === 'UP' ? 'LONG' : s.direction === 'DOWN' && params.shortOnDown ? 'SHORT' : null;
    if (!side || !s.entry || !s.exit || s.exit.at <= s.entry.at) continue;
    const entry = { at: s.entry.at, close: new Decimal(s.entry.close) };
    const exit = { at: s.exit.at, close: new Decimal(s.exit.close) };
    const move = exit.close.div(entry.close).minus(1);
    const gross = side === 'LONG' ? move : move.negated();
    trades.push({ side, entry, exit, net: gross.minus(roundTripCost) });
    busyUntil = s.targetTime.getTime();
  }

  const first = trades[0];
  const last = trades.at(-1);
  if (!first || !last) {
    return {
      statistics: { trades: 0, totalReturn: 0, buyAndHoldReturn: null, cagr: null, sharpe: null, sortino: null, maxDrawdown: 0, maxDrawdownDurationDays: 0, winRate: null, exposure: null, profitFactor: null, spanFrom: null, spanTo: null },
      equityCurve: [],
      trades: [],
    };
  }

  // The curve: equity and buy-and-hold (the series' close over the first entry's close) at the first
  // entry and at each exit.
  const points: Array<{ at: Date; equity: Decimal; buyAndHold: Decimal }> = [{ at: first.entry.at, equity: new Decimal(1), buyAndHold: new Decimal(1) }];
  let equity = new Decimal(1);
  let won = new Decimal(0);
  let lost = new Decimal(0);
  for (const t of trades) {
    const pnl = equity.times(t.net);
    if (pnl.gt(0)) won = won.plus(pnl);
    else lost = lost.plus(pnl.negated());
    equity = equity.plus(pnl);
    points.push({ at: t.exit.at, equity, buyAndHold: t.exit.close.div(first.entry.close) });
  }

  const spanMs = last.exit.at.getTime() - first.entry.at.getTime();
  const years = new Decimal(spanMs).div(YEAR_MS);
  const returns = trades.map((t) => t.net);
  const n = returns.length;
  const mean = Decimal.sum(...returns).div(n);
  // Per-trade ratios annualised by the number of trades per year over the span: x sqrt(n / years).
  const perYear = years.gt(0) ? new Decimal(n).div(years).sqrt() : null;
  const sd = n > 1 ? Decimal.sum(...returns.map((r) => r.minus(mean).pow(2))).div(n - 1).sqrt() : null;
  const downside = Decimal.sum(...returns.map((r) => Decimal.min(r, 0).pow(2))).div(n).sqrt();
  const drawdown = maxDrawdown(points);
  const inPosition = trades.reduce((sum, t) => sum + (t.exit.at.getTime() - t.entry.at.getTime()), 0);
  const num = (d: Decimal | null) => (d === null ? null : d.toNumber());

  return {
    statistics: {
      trades: n,
      totalReturn: equity.minus(1).toNumber(),
      buyAndHoldReturn: points.at(-1)!.buyAndHold.minus(1).toNumber(),
      cagr: years.gt(0) && equity.gt(0) ? equity.pow(new Decimal(1).div(years)).minus(1).toNumber() : null,
      sharpe: num(perYear && sd && !sd.isZero() ? mean.div(sd).times(perYear) : null),
      sortino: num(perYear && !downside.isZero() ? mean.div(downside).times(perYear) : null),
      maxDrawdown: drawdown.depth.toNumber(),
      maxDrawdownDurationDays: drawdown.durationMs / DAY_MS,
      winRate: trades.filter((t) => t.net.gt(0)).length / n,
      exposure: spanMs > 0 ? inPosition / spanMs : null,
      profitFactor: lost.isZero() ? null : won.div(lost).toNumber(),
      spanFrom: first.entry.at.toISOString(),
      spanTo: last.exit.at.toISOString(),
    },
    equityCurve: points.map((p) => ({ at: p.at.toISOString(), equity: p.equity.toNumber(), buyAndHold: p.buyAndHold.toNumber() })),
    trades: trades.map((t) => ({
      side: t.side,
      entryAt: t.entry.at.toISOString(),
      entryPrice: t.entry.close.toNumber(),
      exitAt: t.exit.at.toISOString(),
      exitPrice: t.exit.close.toNumber(),
      netReturn: t.net.toNumber(),
    })),
  };
}

/** The deepest peak-to-trough fall of the equity and how long from that peak until it was regained. */
function maxDrawdown(points: ReadonlyArray<{ at: Date; equity: Decimal }>): { depth: Decimal; durationMs: number } {
  const end = points.at(-1)!.at.getTime();
  let peak = points[0]!;
  let deepest = { peak, depth: new Decimal(0), durationMs: 0 };
  for (const p of points) {
    if (p.equity.gte(peak.equity)) {
      // Regaining the level of the deepest fall's peak ends that fall.
      if (deepest.peak === peak && deepest.depth.gt(0)) deepest.durationMs = p.at.getTime() - peak.at.getTime();
      peak = p;
      continue;
    }
    const fall = peak.equity.minus(p.equity).div(peak.equity);
    // Until regained, it lasts to the last point.
    if (fall.gt(deepest.depth)) deepest = { peak, depth: fall, durationMs: end - peak.at.getTime() };
  }
  return { depth: deepest.depth, durationMs: deepest.durationMs };
}
