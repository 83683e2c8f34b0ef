// Storage of backtests: the replay's input (a model's resolved predictions with the bars they would
// have traded at) and the runs, each stored with its parameters while the model's sharpeRatio and
// maxDrawdown take the latest run's figures.
import type pg from 'pg';
import { withTransaction } from '../db/transaction';
import { TIMEFRAME_MINUTES, type Timeframe } from '../market-data/schema';
import type { BacktestParameters, BacktestResult, ReplaySignal } from './backtest';

export interface BacktestRunRecord {
  id: string;
  modelId: string;
  parameters: BacktestParameters & { ticker: string; timeframe: string };
  statistics: BacktestResult['statistics'];
  equityCurve: BacktestResult['equityCurve'];
  createdBy: string;
  createdAt: Date;
}

const RUN_COLUMNS = `id, model_id AS "modelId", parameters, statistics, equity_curve AS "equityCurve", created_by AS "createdBy", created_at AS "createdAt"`;

export class BacktestRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * The model's resolved predictions for a series, oldest first, each with the close of the last bar
   * that ended at or before its predictionTime (entry) and at or before its targetTime (exit). A bar
   * is stamped with its start, so it ends one timeframe later.
   */
  async signals(modelId: string, ticker: string, timeframe: Timeframe): Promise<ReplaySignal[]> {
    const { rows } = await this.pool.query<{
      predictionTime: Date;
      targetTime: Date;
      direction: ReplaySignal['direction'];
      confidence: number;
      entryAt: Date | null;
      entryClose: string | null;
      exitAt: Date | null;
      exitClose: string | null;
    }>(
      `SELECT p.prediction_time AS "predictionTime", p.target_time AS "targetTime", p.direction, p.confidence,
              entry.ends_at AS "entryAt", entry.close AS "entryClose", exit.ends_at AS "exitAt", exit.close AS "exitClose"
       FROM predictions p
       LEFT JOIN LATERAL (
         SELECT m.timestamp + $4::interval AS ends_at, m.close::text AS close FROM market_data m
         WHERE m.ticker = p.ticker AND m.timeframe = p.timeframe AND m.timestamp <= p.prediction_time - $4::interval
         ORDER BY m.timestamp DESC LIMIT 1
       ) entry ON true
       LEFT JOIN LATERAL (
         SELECT m.timestamp + $4::interval AS ends_at, m.close::text AS close FROM market_data m
         WHERE m.ticker = p.ticker AND m.timeframe = p.timeframe AND m.timestamp <= p.target_time - $4::interval
         ORDER BY m.timestamp DESC LIMIT 1
       ) exit ON true
       WHERE p.model_id = $1 AND p.ticker = $2 AND p.timeframe = $3 AND p.correct IS NOT NULL
       ORDER BY p.prediction_time, p.id`,
      [modelId, ticker, timeframe, `${TIMEFRAME_MINUTES[timeframe]} minutes`],
    );
    return rows.map((r) => ({
      predictionTime: r.predictionTime,
      targetTime: r.targetTime,
      direction: r.direction,
      confidence: r.confidence,
      entry: r.entryAt && r.entryClose !== null ? { at: r.entryAt, close: r.entryClose } : null,
      exit: r.exitAt && r.exitClose !== null ? { at: r.exitAt, close: r.exitClose } : null,
    }));
  }

  /** Stores a run and copies its Sharpe ratio and max drawdown onto the model, in one transaction. */
  saveRun(run: Omit<BacktestRunRecord, 'id' | 'createdAt'>): Promise<BacktestRunRecord> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<BacktestRunRecord>(
        `INSERT INTO backtest_runs (id, model_id, parameters, statistics, equity_curve, created_by)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5) RETURNING ${RUN_COLUMNS}`,
        [run.modelId, JSON.stringify(run.parameters), JSON.stringify(run.statistics), JSON.stringify(run.equityCurve), run.createdBy],
      );
      await tx.query('UPDATE models SET sharpe_ratio = $2, max_drawdown = $3, updated_at = now() WHERE id = $1', [run.modelId, run.statistics.sharpe, run.statistics.maxDrawdown]);
      return rows[0]!;
    });
  }

  /** A model's runs, newest first. */
  async runs(modelId: string, limit: number): Promise<BacktestRunRecord[]> {
    const { rows } = await this.pool.query<BacktestRunRecord>(`SELECT ${RUN_COLUMNS} FROM backtest_runs WHERE model_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [modelId, limit]);
    return rows;
  }
}
