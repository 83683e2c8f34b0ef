// `npm run seed:demo` and the first `npm start` on an empty database: two years of synthetic bars
// for four ETFs, a small model registry, and predictions whose outcomes are resolved by the same
// code the product uses, so every accuracy view has real numbers.
import type pg from 'pg';
import { loadConfig } from '../config';
import type { PrismaClient } from '../db/generated/client';
import { refreshDailySummary } from '../db/timescale';
import { FeatureService } from '../features/service';
import { addDays, getSession, nextTradingDay, sessionDateOf, type Session } from '../ingestion/calendar';
import type { Bar, Timeframe } from '../market-data/schema';
import type { NewPrediction } from '../predictions/repository';
import { resolvePredictions } from '../predictions/service';
import { createRepositories } from '../services';
import {
  DEMO_TICKERS,
  aggregateBars,
  lastCompletedSession,
  seededRandom,
  sessionsBetween,
  simulateMinuteBars,
} from './market-simulator';
import { seedPaperOrders } from './paper-orders';

export interface SeedOptions {
  /** Data ends with the last session completed before this instant (default: now). */
  now?: Date;
  years?: number;
  intradaySessions?: number;
  seed?: number;
}

export interface SeedSummary {
  bars: number;
  features: number;
  models: number;
  predictions: number;
  resolved: number;
  orders: number;
  from: string;
  to: string;
}

const LONG_TIMEFRAMES: Timeframe[] = ['1d', '1h'];
const SHORT_TIMEFRAMES: Timeframe[] = ['1m', '5m', '15m', '4h'];
const PREDICTED_TIMEFRAMES: Timeframe[] = ['1h', '1d'];

interface ModelPlan {
  name: string;
  version: string;
  algorithm: string;
  skill: number; // probability of calling the real direction
  /** The alias it takes, in plan order, through the registry (so the deploy history shows the moves). */
  deploy?: { alias: string; reason: string };
  /** Fraction of the period (from, to) this version produced predictions for. */
  span: [number, number];
  every: number; // predict on every n-th bar
}

const MODEL_PLANS: ModelPlan[] = [
  { name: 'gbm-direction', version: '1.0.0', algorithm: 'gradient-boosting', skill: 0.1, deploy: { alias: 'champion', reason: 'first model' }, span: [0, 0.5], every: 6 },
  { name: 'gbm-direction', version: '2.0.0', algorithm: 'gradient-boosting', skill: 0.36, deploy: { alias: 'champion', reason: 'beat 1.0.0 on validation' }, span: [0.5, 1], every: 3 },
  { name: 'lstm-direction', version: '1.0.0', algorithm: 'lstm', skill: 0.24, deploy: { alias: 'challenger', reason: 'shadow test against the champion' }, span: [0.85, 1], every: 3 },
];

export async function seedDemoData(db: { pool: pg.Pool; prisma: PrismaClient }, options: SeedOptions = {}): Promise<SeedSummary> {
  const now = options.now ?? new Date();
  const last = lastCompletedSession(now);
  const first = addDays(last.date, -365 * (options.years ?? 2));
  const sessions = sessionsBetween(first, last.date);
  const recent = sessions.slice(-(options.intradaySessions ?? 60));
  const { marketData: bars, models, predictions, features: featureRows } = createRepositories(db);
  const baseSeed = options.seed ?? 20240101;

  let barCount = 0;
  let modelCount = 0;
  const newPredictions: NewPrediction[] = [];
  for (const [i, profile] of DEMO_TICKERS.entries()) {
    const minutes = simulateMinuteBars(profile, sessions, baseSeed + i * 7919);
    const recentMinutes = minutes.filter((b) => b.timestamp >= recent[0]!.open);
    const byTimeframe = new Map<Timeframe, Bar[]>();
    for (const tf of LONG_TIMEFRAMES) byTimeframe.set(tf, aggregateBars(minutes, tf));
    for (const tf of SHORT_TIMEFRAMES) byTimeframe.set(tf, tf === '1m' ? recentMinutes : aggregateBars(recentMinutes, tf));
    for (const series of byTimeframe.values()) {
      for (let k = 0; k < series.length; k += 50_000) barCount += (await bars.upsertBars(series.slice(k, k + 50_000))).inserted;
    }

    for (const timeframe of PREDICTED_TIMEFRAMES) {
      const series = byTimeframe.get(timeframe)!;
      for (const [j, plan] of MODEL_PLANS.entries()) {
        // A version "trained" on the bars before its first prediction (none for the first one).
        const firstPredicted = Math.floor(series.length * plan.span[0]);
        const trainingBars = series.slice(0, firstPredicted);
        const model = await models.create({
          name: `${profile.ticker.toLowerCase()}-${timeframe}-${plan.name}`,
          version: plan.version,
          algorithm: plan.algorithm,
          ticker: profile.ticker,
          timeframe,
          accuracy: 0.5 + plan.skill / 2,
          hyperparameters: plan.algorithm === 'lstm' ? { layers: 2, hidden: 64, lookback: 60, dropout: 0.2 } : { trees: 400, depth: 6, learningRate: 0.05 },
          metrics: { validationAccuracy: 0.5 + plan.skill / 2 },
          featureSet: ['rsi_14', 'macd', 'macd_signal', 'bb_upper', 'bb_lower', 'atr_14', 'volume_sma_20'],
          trainingDataFrom: trainingBars[0]?.timestamp,
          trainingDataTo: trainingBars.at(-1)?.timestamp,
          trainingRows: trainingBars.length,
          trainedAt: series[firstPredicted]?.timestamp,
        });
        if (plan.deploy) await models.deploy(model.id, plan.deploy.alias, { actor: 'demo', reason: plan.deploy.reason });
        modelCount++;
        const random = seededRandom(baseSeed + i * 31 + j * 7 + timeframe.length);
        newPredictions.push(...simulatePredictions(series, timeframe, model.id, plan, random));
      }
    }
  }
  const { created } = await predictions.createMany(newPredictions);
  const resolved = (await resolvePredictions(predictions, { graceHours: loadConfig({}).PREDICTION_GRACE_HOURS }, { now, wait: true })) ?? 0;
  await refreshDailySummary(db.pool); // so the daily summary shows the demo days at once
  const features = await new FeatureService(featureRows, bars).computeAll();
  const orders = await seedPaperOrders(db, recent);
  return {
    bars: barCount,
    features: features.reduce((n, r) => n + r.rows, 0),
    models: modelCount,
    predictions: created,
    resolved,
    orders,
    from: sessions[0]!.date,
    to: last.date,
  };
}

/** When the information in bar `bar` is complete: its end, or the session close if earlier. */
function barEnd(bar: Bar, timeframe: Timeframe, session: Session): Date {
  if (timeframe === '1d') return session.close;
  const end = bar.timestamp.getTime() + (timeframe === '1h' ? 3_600_000 : 0);
  return new Date(Math.min(end, session.close.getTime()));
}

/**
 * A model "predicts" the next bar's direction: with probability 0.5 + skill/2 it calls the real
 * move, otherwise the opposite; confidence is higher when it is right, so calibration has shape.
 * The last prediction targets the next session and stays unresolved.
 */
function simulatePredictions(series: Bar[], timeframe: Timeframe, modelId: string, plan: ModelPlan, random: () => number): NewPrediction[] {
  const out: NewPrediction[] = [];
  const from = Math.floor(series.length * plan.span[0]);
  const to = Math.floor(series.length * plan.span[1]);
  const sessionOf = (bar: Bar) => getSession(sessionDateOf(bar.timestamp))!;
  // Walk back from the newest bar, so every model has an open call on the last bar.
  for (let k = to - 1; k >= from; k -= plan.every) {
    const bar = series[k]!;
    const next = series[k + 1];
    const predictionTime = barEnd(bar, timeframe, sessionOf(bar));
    let targetTime: Date;
    let realUp: boolean;
    if (next) {
      targetTime = barEnd(next, timeframe, sessionOf(next));
      realUp = next.close >= bar.close;
    } else {
      const following = getSession(nextTradingDay(sessionOf(bar).date))!;
      targetTime = timeframe === '1d' ? following.close : new Date(following.open.getTime() + 3_600_000);
      realUp = random() < 0.5;
    }
    const right = random() < 0.5 + plan.skill / 2;
    const up = right ? realUp : !realUp;
    const confidence = Math.min(0.99, Math.max(0.5, (right ? 0.66 : 0.6) + (random() - 0.5) * 0.3));
    out.push({
      modelId,
      ticker: bar.ticker,
      timeframe,
      predictionTime,
      targetTime,
      direction: up ? 'UP' : 'DOWN',
      confidence: Math.round(confidence * 1000) / 1000,
      probability: Math.round((up ? confidence : 1 - confidence) * 1000) / 1000,
      basePrice: bar.close,
      predictedChange: Math.round((up ? 1 : -1) * confidence * 0.004 * 1e5) / 1e5,
    });
  }
  return out;
}
