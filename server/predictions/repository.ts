// Storage for predictions and their outcomes. Writes, resolution and accuracy are set-based SQL:
// they touch thousands of rows at once and must not depend on per-row round trips (a resolution
// pass reads candidates and bars per series, decides in resolution.ts, and writes in one statement).
import type pg from 'pg';
import type { ReadPool } from '../db/read-router';
import type { Timeframe } from '../market-data/schema';
import { withTransaction } from '../db/transaction';
import type { EventRepository } from '../events/repository';
import type { NewEvent } from '../events/schema';
import { SqlParams, afterCursor } from '../shared/sql';
import type { Decision, ResolutionCandidate, ResolutionStatus } from './resolution';
import type { AccuracyQuery, AccuracyReport, Direction, HitStats, PredictionFilter, PredictionListQuery } from './schema';

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
  resolutionStatus: ResolutionStatus;
  unresolvableReason: string | null;
  referencePrice: number | null;
  referenceBarTime: Date | null;
  outcomeBarTime: Date | null;
  basePriceMismatch: boolean | null;
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
  modelLiveAccuracy: number | null;
  modelLiveCount: number;
}

export type AccuracyRow = AccuracyReport['models'][number];

/** What an accuracy report covers: the filter, a rolling window and optionally the last N due predictions. */
export type AccuracyScope = Omit<AccuracyQuery, 'bucket'>;

/** ln(0) is infinite: a confident wrong call costs at most -ln(1e-15) ≈ 34.5 in the log loss. */
const LOG_LOSS_FLOOR = 1e-15;

const WINDOW_DAYS: Record<Exclude<AccuracyScope['window'], 'all'>, number> = { '7d': 7, '30d': 30, '90d': 90 };

/** The resolver's advisory lock, two-int form: this module's namespace ("QPRD"), then the job. */
export const RESOLVER_LOCK = [0x5150_5244, 1] as const;

const PREDICTION_COLUMNS = `p.id, p.model_id AS "modelId", p.model_version AS "modelVersion", p.ticker, p.timeframe,
  p.prediction_time AS "predictionTime", p.target_time AS "targetTime",
  p.direction, p.confidence, p.probability,
  p.predicted_price AS "predictedPrice", p.predicted_change AS "predictedChange", p.base_price AS "basePrice",
  p.actual_direction AS "actualDirection", p.actual_price AS "actualPrice", p.actual_change AS "actualChange",
  p.correct, p.resolved_at AS "resolvedAt", p.features, p.model_output AS "modelOutput",
  p.resolution_status AS "resolutionStatus", p.unresolvable_reason AS "unresolvableReason",
  p.reference_price AS "referencePrice", p.reference_bar_time AS "referenceBarTime",
  p.outcome_bar_time AS "outcomeBarTime", p.base_price_mismatch AS "basePriceMismatch",
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

const MODEL_SUMMARY_COLUMNS = `m.name AS "modelName", m.algorithm AS "modelAlgorithm", m.accuracy AS "modelAccuracy",
  m.live_accuracy AS "modelLiveAccuracy", m.live_count AS "modelLiveCount"`;

const HIT_STATS_COLUMNS = `count(*)::int AS total,
  count(p.resolved_at)::int AS resolved,
  count(*) FILTER (WHERE p.correct)::int AS correct,
  (count(*) FILTER (WHERE p.correct))::float8 / nullif(count(p.resolved_at), 0) AS "hitRate",
  avg(p.confidence)::float8 AS "avgConfidence"`;

/** The natural key: one prediction per model, series and prediction time. */
export const predictionKey = (p: { modelId: string; ticker: string; timeframe: string; predictionTime: Date }) =>
  `${p.modelId}|${p.ticker}|${p.timeframe}|${p.predictionTime.getTime()}`;

/**
 * The predictions an accuracy report covers, as a sub-select named `p`: those matching the filter
 * made within the window; with `last`, of those only the N newest whose target time has passed,
 * per model version and series.
 */
function accuracyScope({ window, last, ...filter }: AccuracyScope, params: SqlParams): string {
  const inWindow = window === 'all' ? [] : [`p.prediction_time >= now() - make_interval(days => ${params.add(WINDOW_DAYS[window])}::int)`];
  const conditions = filterConditions(filter, params, inWindow);
  if (last === undefined) return `(SELECT p.* FROM predictions p WHERE ${conditions}) p`;
  return `(SELECT * FROM (
      SELECT p.*, row_number() OVER (PARTITION BY p.model_id, p.ticker, p.timeframe ORDER BY p.prediction_time DESC) AS newest
      FROM predictions p WHERE ${conditions} AND p.target_time <= now()
    ) ranked WHERE newest <= ${params.add(last)}) p`;
}

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
  pending: "p.resolution_status = 'PENDING'",
  resolved: "p.resolution_status = 'RESOLVED'",
  unresolvable: "p.resolution_status = 'UNRESOLVABLE'",
  correct: 'p.correct',
  wrong: 'NOT p.correct',
};

export class PredictionRepository {
  /** `reads`: where the accuracy reports run (the read replica when one is configured). */
  constructor(
    private readonly pool: pg.Pool,
    private readonly events: Pick<EventRepository, 'appendInTransaction'>,
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
    return withTransaction(this.pool, async (tx) => {
      const { rows: created } = await tx.query<CreatedRow>(
        `INSERT INTO predictions (id, model_id, model_version, ticker, timeframe, prediction_time, target_time, direction,
                                confidence, probability, predicted_price, predicted_change, base_price, features, model_output)
       SELECT gen_random_uuid(), model_id, (SELECT m.version FROM models m WHERE m.id = x.model_id), ticker, timeframe,
              prediction_time, target_time, direction, confidence, probability, predicted_price, predicted_change, base_price,
              features, model_output
       FROM json_to_recordset($1::json) AS x(model_id uuid, ticker text, timeframe text, prediction_time timestamptz,
            target_time timestamptz, direction "Direction", confidence float8, probability float8,
            predicted_price float8, predicted_change float8, base_price float8, features jsonb, model_output jsonb)
       ON CONFLICT (model_id, ticker, timeframe, prediction_time) DO NOTHING
       RETURNING id, model_id AS "modelId", model_version AS "modelVersion", ticker, timeframe, prediction_time AS "predictionTime"`,
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
      await this.events.appendInTransaction(tx, createdEvents(created));
      return new Set(created.map((r) => r.id));
    });
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
         WHERE p.model_id = m.id AND p.ticker = $1 AND p.timeframe = $2 AND p.target_time > now()
         ORDER BY p.prediction_time DESC LIMIT 1
       ) p
       WHERE (m.ticker IS NULL OR m.ticker = $1) AND (m.timeframe IS NULL OR m.timeframe = $2)
       ORDER BY m.is_active DESC, p.prediction_time DESC, m.name, m.version
       LIMIT $3`,
      values: [ticker, timeframe, limit],
    });
    return rows;
  }

  /** Per series, the newest unresolved prediction whose target time is still ahead, of the model active for it. */
  async latestUnresolvedOfActiveModels(filter: { ticker?: string; timeframe?: Timeframe }): Promise<Array<PredictionRecord & ModelSummary>> {
    const params = new SqlParams();
    const { rows } = await this.pool.query<PredictionRecord & ModelSummary>(
      `SELECT DISTINCT ON (p.ticker, p.timeframe) ${PREDICTION_COLUMNS}, ${MODEL_SUMMARY_COLUMNS}
       FROM models m JOIN predictions p ON p.model_id = m.id
       WHERE m.is_active AND p.resolved_at IS NULL AND p.target_time > now()
         AND (m.ticker IS NULL OR m.ticker = p.ticker) AND (m.timeframe IS NULL OR m.timeframe = p.timeframe)
         AND ${filterConditions(filter, params)}
       -- a model registered for the series wins over a generic one active for every series
       ORDER BY p.ticker, p.timeframe, (m.ticker IS NOT NULL) DESC, p.prediction_time DESC`,
      params.values,
    );
    return rows;
  }

  /**
   * Runs one resolution pass in a transaction holding the resolver's advisory lock, so passes of
   * several instances never interleave. `wait`: queue behind a running pass instead of skipping it;
   * `null` when skipped.
   */
  async underResolverLock<T>(wait: boolean, work: (store: ResolutionStore) => Promise<T>): Promise<T | null> {
    return withTransaction(this.pool, async (tx) => {
      const lock = RESOLVER_LOCK.join(', ');
      const sql = wait ? `SELECT true AS locked FROM pg_advisory_xact_lock(${lock})` : `SELECT pg_try_advisory_xact_lock(${lock}) AS locked`;
      const { rows } = await tx.query<{ locked: boolean }>(sql);
      if (!rows[0]!.locked) return null;
      return work(new ResolutionStore(tx, this.events));
    });
  }

  /** Hit rate, coverage, Brier score and log loss per model version and series, over the query's scope. */
  async accuracy(query: AccuracyScope): Promise<AccuracyRow[]> {
    const params = new SqlParams();
    const { rows } = await this.reads.query<AccuracyRow>(
      `SELECT m.id AS "modelId", m.name AS "modelName", m.version AS "modelVersion", p.ticker, p.timeframe, ${HIT_STATS_COLUMNS},
              count(*) FILTER (WHERE p.target_time <= now())::int AS due,
              count(*) FILTER (WHERE p.resolution_status = 'UNRESOLVABLE')::int AS unresolvable,
              (count(p.resolved_at) + count(*) FILTER (WHERE p.resolution_status = 'UNRESOLVABLE'))::float8
                / nullif(count(*) FILTER (WHERE p.target_time <= now()), 0) AS coverage,
              avg((p.confidence - p.correct::int) ^ 2) FILTER (WHERE p.correct IS NOT NULL)::float8 AS brier,
              avg(-ln(greatest(CASE WHEN p.correct THEN p.confidence ELSE 1 - p.confidence END, ${LOG_LOSS_FLOOR})))
                FILTER (WHERE p.correct IS NOT NULL)::float8 AS "logLoss"
       FROM ${accuracyScope(query, params)} JOIN models m ON m.id = p.model_id
       GROUP BY m.id, m.name, m.version, p.ticker, p.timeframe
       ORDER BY p.ticker, p.timeframe, m.name, m.version`,
      params.values,
    );
    return rows;
  }

  /** Totals over every prediction matching the filter (a model's live accuracy). */
  async hitStats(filter: PredictionFilter): Promise<HitStats> {
    const params = new SqlParams();
    const { rows } = await this.pool.query<HitStats>(`SELECT ${HIT_STATS_COLUMNS} FROM predictions p WHERE ${filterConditions(filter, params)}`, params.values);
    return rows[0]!;
  }

  /**
   * The resolved predictions of the query's scope: hit rate per model and day/week (UTC); per
   * model version and series, hit rate per confidence decile and precision/recall per direction.
   */
  async accuracyBreakdown(query: AccuracyScope, bucket: 'day' | 'week'): Promise<Pick<AccuracyReport, 'overTime' | 'calibration' | 'directions'>> {
    const resolved = (params: SqlParams) => `(SELECT * FROM ${accuracyScope(query, params)} WHERE p.resolved_at IS NOT NULL) p`;
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
        FROM ${resolved(params)}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      ),
      // Deciles computed in numeric: in float8, 0.3 * 10 is not exactly 3.
      run<AccuracyReport['calibration'][number]>(
        (params) => `
        SELECT "modelId", ticker, timeframe, bin / 10.0::float8 AS lower, (bin + 1) / 10.0::float8 AS upper, count, "avgConfidence", "hitRate"
        FROM (
          SELECT p.model_id AS "modelId", p.ticker, p.timeframe, least(floor(p.confidence::numeric * 10), 9)::int AS bin, count(*)::int AS count,
                 avg(p.confidence)::float8 AS "avgConfidence", avg(p.correct::int)::float8 AS "hitRate"
          FROM ${resolved(params)}
          GROUP BY 1, 2, 3, 4
        ) b ORDER BY 1, 2, 3, bin`,
      ),
      run<AccuracyReport['directions'][number]>(
        (params) => `
        SELECT "modelId", ticker, timeframe, direction, predicted, actual, "truePositives",
               "truePositives"::float8 / nullif(predicted, 0) AS precision,
               "truePositives"::float8 / nullif(actual, 0) AS recall
        FROM (
          SELECT p.model_id AS "modelId", p.ticker, p.timeframe, d.direction,
                 count(*) FILTER (WHERE p.direction = d.direction)::int AS predicted,
                 count(*) FILTER (WHERE p.actual_direction = d.direction)::int AS actual,
                 count(*) FILTER (WHERE p.direction = d.direction AND p.actual_direction = d.direction)::int AS "truePositives"
          FROM ${resolved(params)} CROSS JOIN unnest(enum_range(NULL::"Direction")) AS d(direction)
          GROUP BY 1, 2, 3, 4
        ) c WHERE predicted > 0 OR actual > 0 ORDER BY 1, 2, 3, direction`,
      ),
    ]);
    return { overTime: overTime.map((r) => ({ ...r, bucket: r.bucket.toISOString() })), calibration, directions };
  }
}

/** The reads and the write of one resolution pass, on its transaction. */
class ResolutionStore {
  constructor(
    private readonly tx: pg.PoolClient,
    private readonly events: Pick<EventRepository, 'appendInTransaction'>,
  ) {}

  /**
   * Pending predictions whose target time has passed, and resolved ones with targetTime >=
   * `recheckSince` whose reference or outcome bar has since been corrected (its close changed).
   */
  async candidates(now: Date, recheckSince: Date): Promise<ResolutionCandidate[]> {
    const { rows } = await this.tx.query<ResolutionCandidate>(
      `SELECT p.id, p.ticker, p.timeframe, p.prediction_time AS "predictionTime",
              p.target_time AS "targetTime", p.base_price AS "basePrice", m.neutral_band AS "neutralBand",
              p.resolution_status AS status
       FROM predictions p JOIN models m ON m.id = p.model_id
       WHERE (p.resolution_status = 'PENDING' AND p.target_time <= $1)
          OR (p.resolution_status = 'RESOLVED' AND p.target_time >= $2 AND EXISTS (
                SELECT 1 FROM market_data b
                WHERE b.ticker = p.ticker AND b.timeframe = p.timeframe
                  AND ((b."timestamp" = p.outcome_bar_time AND b.close IS DISTINCT FROM p.actual_price)
                    OR (b."timestamp" = p.reference_bar_time AND b.close IS DISTINCT FROM p.reference_price))))
       ORDER BY p.ticker, p.timeframe, p.target_time`,
      [now, recheckSince],
    );
    return rows;
  }

  /** Bar start (ms) -> close of one series' bars starting in [from, to). */
  async closes(ticker: string, timeframe: Timeframe, from: Date, to: Date): Promise<Map<number, number>> {
    const { rows } = await this.tx.query<{ timestamp: Date; close: number }>(
      `SELECT "timestamp", close FROM market_data WHERE ticker = $1 AND timeframe = $2 AND "timestamp" >= $3 AND "timestamp" < $4`,
      [ticker, timeframe, from, to],
    );
    return new Map(rows.map((r) => [r.timestamp.getTime(), r.close]));
  }

  /**
   * Writes the decisions that change something (a rerun writes nothing) and, as the transaction's
   * last statement, one `prediction.resolved` event per model and series. Returns how many changed.
   */
  async apply(decisions: readonly Decision[], now: Date): Promise<number> {
    if (decisions.length === 0) return 0;
    const { rows } = await this.tx.query<ResolvedRow>(
      `WITH o AS (
         SELECT * FROM json_to_recordset($1::json) AS x(id uuid, prediction_time timestamptz, previous "ResolutionStatus",
           status "ResolutionStatus", reason text, reference_price float8, reference_bar_time timestamptz, actual_price float8,
           outcome_bar_time timestamptz, actual_change float8, actual_direction "Direction", base_price_mismatch boolean)
       )
       UPDATE predictions p SET
         resolution_status = o.status, unresolvable_reason = o.reason,
         reference_price = o.reference_price, reference_bar_time = o.reference_bar_time,
         actual_price = o.actual_price, outcome_bar_time = o.outcome_bar_time, actual_change = o.actual_change,
         actual_direction = o.actual_direction, base_price_mismatch = o.base_price_mismatch,
         correct = CASE WHEN o.status = 'RESOLVED' THEN p.direction = o.actual_direction END,
         resolved_at = CASE WHEN o.status = 'RESOLVED' THEN $2::timestamptz END,
         updated_at = $2
       FROM o
       WHERE p.id = o.id AND p.prediction_time = o.prediction_time AND p.resolution_status = o.previous
         AND (p.resolution_status, p.unresolvable_reason, p.reference_price, p.reference_bar_time, p.actual_price, p.outcome_bar_time,
              p.actual_direction, p.base_price_mismatch)
             IS DISTINCT FROM (o.status, o.reason, o.reference_price, o.reference_bar_time, o.actual_price, o.outcome_bar_time,
              o.actual_direction, o.base_price_mismatch)
       RETURNING p.id, p.model_id AS "modelId", p.ticker, p.timeframe, p.resolution_status AS status, p.correct,
                 o.previous = 'RESOLVED' AS corrected`,
      [JSON.stringify(decisions.map(toOutcomeRecord)), now],
    );
    await this.tx.query(
      `UPDATE models m SET live_accuracy = s.hit_rate, live_count = s.n
       FROM (SELECT model_id, count(*)::int AS n, avg(correct::int)::float8 AS hit_rate
             FROM predictions WHERE model_id = ANY($1::uuid[]) AND resolution_status = 'RESOLVED' GROUP BY model_id) s
       WHERE m.id = s.model_id`,
      [[...new Set(rows.map((r) => r.modelId))]],
    );
    await this.events.appendInTransaction(this.tx, resolvedEvents(rows));
    return rows.length;
  }
}

interface ResolvedRow {
  id: string;
  modelId: string;
  ticker: string;
  timeframe: string;
  status: ResolutionStatus;
  correct: boolean | null;
  corrected: boolean;
}

function toOutcomeRecord({ id, predictionTime, status, outcome }: Decision) {
  const base = { id, prediction_time: predictionTime, previous: status, status: outcome.status };
  if (outcome.status === 'UNRESOLVABLE') return { ...base, reason: outcome.reason };
  return {
    ...base,
    reference_price: outcome.referencePrice,
    reference_bar_time: outcome.referenceBarTime,
    actual_price: outcome.actualPrice,
    outcome_bar_time: outcome.outcomeBarTime,
    actual_change: outcome.actualChange,
    actual_direction: outcome.actualDirection,
    base_price_mismatch: outcome.basePriceMismatch,
  };
}

/** Event ids listed per event, at most this many (`count` has the total). */
const EVENT_ID_LIMIT = 100;

/** One event per model and series: what became of how many predictions, and which. */
function resolvedEvents(rows: readonly ResolvedRow[]): NewEvent[] {
  return groupBy(rows, (r) => `${r.modelId}|${r.ticker}|${r.timeframe}`).map((group) => {
    const { modelId, ticker, timeframe } = group[0]!;
    const resolved = group.filter((r) => r.status === 'RESOLVED');
    return {
      topic: 'prediction',
      name: 'prediction.resolved',
      ticker,
      timeframe,
      payload: {
        modelId,
        count: group.length,
        resolved: resolved.length,
        correct: resolved.filter((r) => r.correct).length,
        unresolvable: group.length - resolved.length,
        corrected: group.filter((r) => r.corrected).length,
        ids: group.slice(0, EVENT_ID_LIMIT).map((r) => r.id),
      },
    };
  });
}

/** One `prediction.created` event per model and series of a write. */
function createdEvents(rows: readonly CreatedRow[]): NewEvent[] {
  return groupBy(rows, (r) => `${r.modelId}|${r.ticker}|${r.timeframe}`).map((group) => {
    const { modelId, modelVersion, ticker, timeframe } = group[0]!;
    const times = group.map((r) => r.predictionTime.getTime());
    return {
      topic: 'prediction',
      name: 'prediction.created',
      ticker,
      timeframe,
      payload: {
        modelId,
        modelVersion,
        count: group.length,
        earliest: new Date(times.reduce((min, t) => Math.min(min, t))).toISOString(),
        latest: new Date(times.reduce((max, t) => Math.max(max, t))).toISOString(),
        ids: group.slice(0, EVENT_ID_LIMIT).map((r) => r.id),
      },
    };
  });
}

interface CreatedRow {
  id: string;
  modelId: string;
  modelVersion: string;
  ticker: string;
  timeframe: string;
  predictionTime: Date;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return [...groups.values()];
}
