// Storage for predictions and their outcomes. Writes, resolution and accuracy are set-based SQL:
// they touch thousands of rows at once and must not depend on per-row round trips.
import type pg from 'pg';
import type { ReadPool } from '../db/read-router';
import type { Timeframe } from '../market-data/schema';
import { SqlParams, afterCursor } from '../shared/sql';
import type { AccuracyReport, Direction, HitStats, PredictionFilter, PredictionListQuery } from './schema';

/** A prediction to store; its modelVersion is copied from the model when it is inserted. */
export interface NewPrediction {
  modelId: string;
  ticker: string;
  timeframe: string;
  predictionTime: Date;
  targetTime: Date;
  direction: Direction;
  confidence: number;
  probability?: number | null;
  predictedPrice?: number | null;
  predictedChange?: number | null;
  basePrice?: number | null;
  features?: Record<string, unknown> | null;
  modelOutput?: Record<string, unknown> | null;
}

export interface PredictionRecord {
  id: string;
  modelId: string;
  modelVersion: string;
  ticker: string;
  timeframe: Timeframe;
  predictionTime: Date;
  targetTime: Date;
  direction: Direction;
  confidence: number;
  probability: number | null;
  predictedPrice: number | null;
  predictedChange: number | null;
  basePrice: number | null;
  actualDirection: Direction | null;
  actualPrice: number | null;
  actualChange: number | null;
  correct: boolean | null;
  resolvedAt: Date | null;
  features: Record<string, unknown> | null;
  modelOutput: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The model of a prediction (its version is the prediction's own modelVersion). */
export interface ModelSummary {
  modelName: string;
  modelAlgorithm: string;
  modelAccuracy: number | null;
}

export type AccuracyRow = HitStats & { modelId: string; modelName: string; modelVersion: string; ticker: string; timeframe: Timeframe };

/** |change| below this counts as NEUTRAL (0.01 %). */
const NEUTRAL_BAND = 0.0001;

/** The resolver's advisory lock, two-int form: this module's namespace ("QPRD"), then the job. */
export const RESOLVER_LOCK = [0x5150_5244, 1] as const;

const PREDICTION_COLUMNS = `p.id, p.model_id AS "modelId", p.model_version AS "modelVersion", p.ticker, p.timeframe,
  p.prediction_time AS "predictionTime", p.target_time AS "targetTime",
  p.direction, p.confidence, p.probability,
  p.predicted_price AS "predictedPrice", p.predicted_change AS "predictedChange", p.base_price AS "basePrice",
  p.actual_direction AS "actualDirection", p.actual_price AS "actualPrice", p.actual_change AS "actualChange",
  p.correct, p.resolved_at AS "resolvedAt", p.features, p.model_output AS "modelOutput",
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

const MODEL_SUMMARY_COLUMNS = `m.name AS "modelName", m.algorithm AS "modelAlgorithm", m.accuracy AS "modelAccuracy"`;

const HIT_STATS_COLUMNS = `count(*)::int AS total,
  count(p.resolved_at)::int AS resolved,
  count(*) FILTER (WHERE p.correct)::int AS correct,
  (count(*) FILTER (WHERE p.correct))::float8 / nullif(count(p.resolved_at), 0) AS "hitRate",
  avg(p.confidence)::float8 AS "avgConfidence"`;

/** The natural key: one prediction per model, series and prediction time. */
export const predictionKey = (p: { modelId: string; ticker: string; timeframe: string; predictionTime: Date }) =>
  `${p.modelId}|${p.ticker}|${p.timeframe}|${p.predictionTime.getTime()}`;

/** `p.`-qualified conditions for the filters that are set ("TRUE" when none is). */
function filterConditions(filter: PredictionFilter, params: SqlParams, extra: string[] = []): string {
  const where = [...extra];
  if (filter.ticker) where.push(`p.ticker = ${params.add(filter.ticker)}`);
  if (filter.timeframe) where.push(`p.timeframe = ${params.add(filter.timeframe)}`);
  if (filter.modelId) where.push(`p.model_id = ${params.add(filter.modelId)}::uuid`);
  if (filter.from) where.push(`p.prediction_time >= ${params.add(filter.from)}`);
  if (filter.to) where.push(`p.prediction_time < ${params.add(filter.to)}`);
  return where.length > 0 ? where.join(' AND ') : 'TRUE';
}

const STATUS_CONDITIONS: Record<NonNullable<PredictionListQuery['status']>, string> = {
  pending: 'p.resolved_at IS NULL',
  resolved: 'p.resolved_at IS NOT NULL',
  correct: 'p.correct',
  wrong: 'NOT p.correct',
};

export class PredictionRepository {
  /** `reads`: where the accuracy reports run (the read replica when one is configured). */
  constructor(
    private readonly pool: pg.Pool,
    private readonly reads: ReadPool = pool,
  ) {}

  /**
   * Inserts predictions in one statement (all or nothing), each with its model's current version;
   * one already stored for the same (model, ticker, timeframe, predictionTime) is kept as it is, so
   * a retried batch is harmless. Returns the ids of the rows this call created.
   */
  async insert(rows: readonly NewPrediction[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    // An unknown model gives a NULL version, which model_version's NOT NULL refuses.
    const { rows: created } = await this.pool.query<{ id: string }>(
      `INSERT INTO predictions (id, model_id, model_version, ticker, timeframe, prediction_time, target_time, direction,
                                confidence, probability, predicted_price, predicted_change, base_price, features, model_output)
       SELECT gen_random_uuid(), model_id, (SELECT m.version FROM models m WHERE m.id = x.model_id), ticker, timeframe,
              prediction_time, target_time, direction, confidence, probability, predicted_price, predicted_change, base_price,
              features, model_output
       FROM json_to_recordset($1::json) AS x(model_id uuid, ticker text, timeframe text, prediction_time timestamptz,
            target_time timestamptz, direction "Direction", confidence float8, probability float8,
            predicted_price float8, predicted_change float8, base_price float8, features jsonb, model_output jsonb)
       ON CONFLICT (model_id, ticker, timeframe, prediction_time) DO NOTHING
       RETURNING id`,
      [
        JSON.stringify(
          rows.map((r) => ({
            model_id: r.modelId,
            ticker: r.ticker,
            timeframe: r.timeframe,
            prediction_time: r.predictionTime,
            target_time: r.targetTime,
            direction: r.direction,
            confidence: r.confidence,
            probability: r.probability,
            predicted_price: r.predictedPrice,
            predicted_change: r.predictedChange,
            base_price: r.basePrice,
            features: r.features,
            model_output: r.modelOutput,
          })),
        ),
      ],
    );
    return new Set(created.map((r) => r.id));
  }

  /** Inserts without reading back (the demo seed). */
  async createMany(rows: readonly NewPrediction[]): Promise<{ created: number; existing: number }> {
    const created = (await this.insert(rows)).size;
    return { created, existing: rows.length - created };
  }

  /** The stored rows for these natural keys, in the order given (keys not stored are skipped). */
  async findByKeys(keys: ReadonlyArray<Pick<NewPrediction, 'modelId' | 'ticker' | 'timeframe' | 'predictionTime'>>): Promise<PredictionRecord[]> {
    const { rows } = await this.pool.query<PredictionRecord>(
      `SELECT ${PREDICTION_COLUMNS}
       FROM json_to_recordset($1::json) AS k(model_id uuid, ticker text, timeframe text, prediction_time timestamptz)
       JOIN predictions p ON p.model_id = k.model_id AND p.ticker = k.ticker AND p.timeframe = k.timeframe
                         AND p.prediction_time = k.prediction_time`,
      [JSON.stringify(keys.map((k) => ({ model_id: k.modelId, ticker: k.ticker, timeframe: k.timeframe, prediction_time: k.predictionTime })))],
    );
    const byKey = new Map(rows.map((r) => [predictionKey(r), r]));
    return keys.flatMap((k) => byKey.get(predictionKey(k)) ?? []);
  }

  /** Newest first, keyset-paginated on (predictionTime, id). */
  async list(query: PredictionListQuery): Promise<PredictionRecord[]> {
    const params = new SqlParams();
    const extra = [];
    if (query.status) extra.push(STATUS_CONDITIONS[query.status]);
    if (query.cursor) extra.push(afterCursor('p.prediction_time', 'p.id', query.cursor, params));
    const { rows } = await this.pool.query<PredictionRecord>(
      `SELECT ${PREDICTION_COLUMNS} FROM predictions p
       WHERE ${filterConditions(query, params, extra)}
       ORDER BY p.prediction_time DESC, p.id DESC LIMIT ${params.add(query.limit)}`,
      params.values,
    );
    return rows;
  }

  /**
   * The newest prediction of each model for one series, active model first. One index probe per
   * candidate model (models are few, predictions many).
   */
  async latestPerModel(ticker: string, timeframe: Timeframe, limit: number): Promise<Array<PredictionRecord & ModelSummary>> {
    const { rows } = await this.pool.query<PredictionRecord & ModelSummary>({
      name: 'predictions-latest-per-model', // the bots' hot path: parsed and planned once per connection
      text: `SELECT ${PREDICTION_COLUMNS}, ${MODEL_SUMMARY_COLUMNS}
       FROM models m
       CROSS JOIN LATERAL (
         SELECT * FROM predictions p
         WHERE p.model_id = m.id AND p.ticker = $1 AND p.timeframe = $2
         ORDER BY p.prediction_time DESC LIMIT 1
       ) p
       WHERE (m.ticker IS NULL OR m.ticker = $1) AND (m.timeframe IS NULL OR m.timeframe = $2)
       ORDER BY m.is_active DESC, p.prediction_time DESC, m.name, m.version
       LIMIT $3`,
      values: [ticker, timeframe, limit],
    });
    return rows;
  }

  /** Per series, the newest unresolved prediction of the model active for it. */
  async latestUnresolvedOfActiveModels(filter: { ticker?: string; timeframe?: Timeframe }): Promise<Array<PredictionRecord & ModelSummary>> {
    const params = new SqlParams();
    const { rows } = await this.pool.query<PredictionRecord & ModelSummary>(
      `SELECT DISTINCT ON (p.ticker, p.timeframe) ${PREDICTION_COLUMNS}, ${MODEL_SUMMARY_COLUMNS}
       FROM models m JOIN predictions p ON p.model_id = m.id
       WHERE m.is_active AND p.resolved_at IS NULL
         AND (m.ticker IS NULL OR m.ticker = p.ticker) AND (m.timeframe IS NULL OR m.timeframe = p.timeframe)
         AND ${filterConditions(filter, params)}
       -- a model registered for the series wins over a generic one active for every series
       ORDER BY p.ticker, p.timeframe, (m.ticker IS NOT NULL) DESC, p.prediction_time DESC`,
      params.values,
    );
    return rows;
  }

  /**
   * Fills the outcome of every prediction whose target time has passed and whose outcome bar
   * exists: actual price = close of the last bar that started before the target time. Safe to run
   * concurrently: a row another run resolved meanwhile is skipped.
   */
  async resolveDue(now = new Date()): Promise<number> {
    const { rows } = await this.pool.query<{ ran: boolean; resolved: number }>(resolveSql('TRUE'), [now, NEUTRAL_BAND]);
    return rows[0]!.resolved;
  }

  /**
   * resolveDue for the scheduler: runs only if no other instance is resolving right now (a
   * transaction-level advisory lock, released when the statement ends); `null` when skipped.
   */
  async resolveDueExclusive(now = new Date()): Promise<number | null> {
    const { rows } = await this.pool.query<{ ran: boolean; resolved: number }>(
      resolveSql(`pg_try_advisory_xact_lock(${RESOLVER_LOCK.join(', ')})`),
      [now, NEUTRAL_BAND],
    );
    return rows[0]!.ran ? rows[0]!.resolved : null;
  }

  /** Hit rate per model version and series (optionally for one ticker/timeframe/model and a time window). */
  async accuracy(filter: PredictionFilter = {}): Promise<AccuracyRow[]> {
    const params = new SqlParams();
    const { rows } = await this.reads.query<AccuracyRow>(
      `SELECT m.id AS "modelId", m.name AS "modelName", m.version AS "modelVersion", p.ticker, p.timeframe, ${HIT_STATS_COLUMNS}
       FROM predictions p JOIN models m ON m.id = p.model_id
       WHERE ${filterConditions(filter, params)}
       GROUP BY m.id, m.name, m.version, p.ticker, p.timeframe
       ORDER BY p.ticker, p.timeframe, m.name, m.version`,
      params.values,
    );
    return rows;
  }

  /** Totals over every prediction matching the filter (a model's live accuracy). */
  async hitStats(filter: PredictionFilter): Promise<HitStats> {
    const params = new SqlParams();
    const { rows } = await this.pool.query<HitStats>(
      `SELECT ${HIT_STATS_COLUMNS} FROM predictions p WHERE ${filterConditions(filter, params)}`,
      params.values,
    );
    return rows[0]!;
  }

  /** Resolved predictions per model: hit rate per day/week (UTC), per confidence decile, per direction. */
  async accuracyBreakdown(filter: PredictionFilter, bucket: 'day' | 'week'): Promise<Omit<AccuracyReport, 'models'>> {
    const resolved = (params: SqlParams) => filterConditions(filter, params, ['p.resolved_at IS NOT NULL']);
    const run = async <T extends pg.QueryResultRow>(build: (params: SqlParams) => string): Promise<T[]> => {
      const params = new SqlParams();
      const sql = build(params);
      return (await this.reads.query<T>(sql, params.values)).rows;
    };
    const [overTime, calibration, directions] = await Promise.all([
      run<AccuracyReport['overTime'][number] & { bucket: Date }>(
        (params) => `
        SELECT p.model_id AS "modelId", date_trunc(${params.add(bucket)}, p.prediction_time, 'UTC') AS bucket,
               count(*)::int AS resolved, count(*) FILTER (WHERE p.correct)::int AS correct,
               avg(p.correct::int)::float8 AS "hitRate"
        FROM predictions p WHERE ${resolved(params)}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      ),
      // Deciles computed in numeric: in float8, 0.3 * 10 is not exactly 3.
      run<AccuracyReport['calibration'][number]>(
        (params) => `
        SELECT "modelId", bin / 10.0::float8 AS lower, (bin + 1) / 10.0::float8 AS upper, count, "avgConfidence", "hitRate"
        FROM (
          SELECT p.model_id AS "modelId", least(floor(p.confidence::numeric * 10), 9)::int AS bin, count(*)::int AS count,
                 avg(p.confidence)::float8 AS "avgConfidence", avg(p.correct::int)::float8 AS "hitRate"
          FROM predictions p WHERE ${resolved(params)}
          GROUP BY 1, 2
        ) b ORDER BY 1, bin`,
      ),
      run<AccuracyReport['directions'][number]>(
        (params) => `
        SELECT "modelId", direction, predicted, actual, "truePositives",
               "truePositives"::float8 / nullif(predicted, 0) AS precision,
               "truePositives"::float8 / nullif(actual, 0) AS recall
        FROM (
          SELECT p.model_id AS "modelId", d.direction,
                 count(*) FILTER (WHERE p.direction = d.direction)::int AS predicted,
                 count(*) FILTER (WHERE p.actual_direction = d.direction)::int AS actual,
                 count(*) FILTER (WHERE p.direction = d.direction AND p.actual_direction = d.direction)::int AS "truePositives"
          FROM predictions p CROSS JOIN unnest(enum_range(NULL::"Direction")) AS d(direction)
          WHERE ${resolved(params)}
          GROUP BY 1, 2
        ) c WHERE predicted > 0 OR actual > 0 ORDER BY 1, direction`,
      ),
    ]);
    return { overTime: overTime.map((r) => ({ ...r, bucket: r.bucket.toISOString() })), calibration, directions };
  }
}

/**
 * The resolution statement. `guard` is evaluated once (an uncorrelated sub-select) and gates the
 * update; the re-check of resolved_at makes a row resolved by a concurrent run count only once.
 */
function resolveSql(guard: string): string {
  return `
    WITH gate AS MATERIALIZED (SELECT ${guard} AS ran),
    outcome AS (
      SELECT p.id, p.prediction_time, bar.close AS actual_price,
             (bar.close - p.base_price) / p.base_price AS change
      FROM predictions p
      CROSS JOIN LATERAL (
        SELECT m.close FROM market_data m
        WHERE m.ticker = p.ticker AND m.timeframe = p.timeframe AND m."timestamp" < p.target_time
          AND m."timestamp" >= p.prediction_time
        ORDER BY m."timestamp" DESC LIMIT 1
      ) bar
      WHERE p.resolved_at IS NULL AND p.target_time <= $1 AND p.base_price IS NOT NULL AND (SELECT ran FROM gate)
    ),
    resolved AS (
      UPDATE predictions p SET
        actual_price = o.actual_price,
        actual_change = o.change,
        actual_direction = CASE WHEN o.change > $2 THEN 'UP' WHEN o.change < -$2 THEN 'DOWN' ELSE 'NEUTRAL' END::"Direction",
        correct = p.direction = CASE WHEN o.change > $2 THEN 'UP' WHEN o.change < -$2 THEN 'DOWN' ELSE 'NEUTRAL' END::"Direction",
        resolved_at = $1,
        updated_at = $1
      FROM outcome o
      WHERE p.id = o.id AND p.prediction_time = o.prediction_time AND p.resolved_at IS NULL
      RETURNING 1
    )
    SELECT (SELECT ran FROM gate) AS ran, (SELECT count(*) FROM resolved)::int AS resolved`;
}
