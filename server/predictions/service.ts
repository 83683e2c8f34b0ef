// Prediction use cases between the routers and the repositories: the write rules (known model,
// matching series, no repeated key in a batch, idempotent retries) and wire shapes (ISO timestamps,
// the plan's `model` object). The resolver's schedule is in resolver.ts.
import type { ReadCache } from '../db/read-cache';
import type { Timeframe } from '../market-data/schema';
import { DomainError } from '../shared/domain-error';
import { toPage } from '../shared/pagination';
import { firstToPass, toIso } from '../shared/time';
import { decideSeries, sessionBars, type Decision, type ResolutionCandidate } from './resolution';
import { predictionKey, type ModelSummary, type PredictionRepository, type NewPrediction, type PredictionRecord } from './repository';
import { type AccuracyQuery, type AccuracyReport, type LatestPrediction, type PredictionListQuery, type PredictionRow, type WebhookInput } from './schema';

export function toPredictionRow(p: PredictionRecord): PredictionRow {
  return {
    ...p,
    predictionTime: toIso(p.predictionTime),
    targetTime: toIso(p.targetTime),
    resolvedAt: toIso(p.resolvedAt),
    referenceBarTime: toIso(p.referenceBarTime),
    outcomeBarTime: toIso(p.outcomeBarTime),
    createdAt: toIso(p.createdAt),
    updatedAt: toIso(p.updatedAt),
  };
}

/** A prediction with the plan's `model: { name, algorithm, accuracy, version }`. */
function toLatestPrediction({
  modelName,
  modelAlgorithm,
  modelAccuracy,
  modelLiveAccuracy,
  modelLiveCount,
  ...p
}: PredictionRecord & ModelSummary): LatestPrediction {
  const model = {
    name: modelName,
    algorithm: modelAlgorithm,
    accuracy: modelAccuracy,
    version: p.modelVersion,
    liveAccuracy: modelLiveAccuracy,
    liveCount: modelLiveCount,
  };
  return { ...toPredictionRow(p), model };
}

/** A prediction as a client sends it: it may name the model version it expects. */
type PredictionInput = NewPrediction & { modelVersion?: string };

/**
 * What the write rules need of the model registry (the models domain's ModelRepository provides
 * it). Declared here so predictions does not depend on models, which reads predictions for its
 * live accuracy.
 */
interface ModelRegistry {
  findByIds(ids: readonly string[]): Promise<RegisteredModel[]>;
  findByNameVersion(name: string, version: string): Promise<RegisteredModel | null>;
}

interface RegisteredModel {
  id: string;
  name: string;
  version: string;
  /** The series the model predicts; null: every ticker / timeframe. */
  ticker: string | null;
  timeframe: string | null;
}

export interface StoreResult {
  received: number;
  created: number;
  existing: number;
  predictions: PredictionRow[];
}

interface ResolutionSettings {
  /** How long after targetTime a prediction may wait for missing bars before it is UNRESOLVABLE. */
  graceHours: number;
}

/** How far back a scheduled pass looks for resolved predictions whose bars were corrected. */
const CORRECTION_LOOKBACK_MS = 30 * 86_400_000;

export interface ResolveOptions {
  now?: Date;
  /** Also re-check resolved predictions with targetTime from here on (the earliest bar just written). */
  barsChangedSince?: Date;
  /** Wait for a running pass instead of skipping (null) when another holds the lock. */
  wait?: boolean;
}

export class PredictionService {
  constructor(
    readonly repository: PredictionRepository,
    private readonly models: ModelRegistry,
    private readonly cache: ReadCache,
    private readonly resolution: ResolutionSettings,
  ) {}

  async list(query: PredictionListQuery) {
    const rows = await this.repository.list({ ...query, limit: query.limit + 1 });
    return toPage(rows, query.limit, (p) => ({ time: p.predictionTime, id: p.id }), toPredictionRow);
  }

  /**
   * The bots' hot read: each model's newest prediction for the series whose target time is still
   * ahead (the plan's rule), from the read cache (shared: callers must not mutate what it returns),
   * which drops the rows when the first of them passes its target time.
   */
  async latest(ticker: string, timeframe: Timeframe, limit: number, now = new Date()): Promise<LatestPrediction[]> {
    const open = await this.cache.get(
      `predictions.latest:${ticker}:${timeframe}:${limit}`,
      ['predictions', 'models'],
      async () => (await this.repository.latestPerModel(ticker, timeframe, limit)).map(toLatestPrediction),
      (predictions) => firstToPass(predictions.map((p) => p.targetTime)),
    );
    return open.filter((p) => Date.parse(p.targetTime) > now.getTime());
  }

  async accuracy({ bucket, ...scope }: AccuracyQuery): Promise<AccuracyReport> {
    const [models, breakdown] = await Promise.all([this.repository.accuracy(scope), this.repository.accuracyBreakdown(scope, bucket)]);
    return { window: scope.window, last: scope.last ?? null, models, ...breakdown };
  }

  /** One prediction; a retry returns the stored row with `created: false`. */
  async create(prediction: PredictionInput): Promise<{ created: boolean; prediction: PredictionRow }> {
    const { created, predictions } = await this.store([prediction]);
    return { created: created === 1, prediction: predictions[0]! };
  }

  /** All or nothing; rows already stored (a retried batch) are returned as they are, not rewritten. */
  createBatch(predictions: PredictionInput[]): Promise<StoreResult> {
    return this.store(predictions);
  }

  /** The ML service's push: resolves a model given by name + version, then stores like a batch. */
  async webhook(input: WebhookInput): Promise<StoreResult> {
    let batchModelId = input.modelId;
    if (!batchModelId && input.model) {
      const { name, version } = input.model;
      const model = await this.models.findByNameVersion(name, version);
      if (!model) throw DomainError.notFound(`Model ${name}@${version} is not registered`);
      batchModelId = model.id;
    }
    return this.store(
      input.predictions.map((p, i) => {
        const modelId = p.modelId ?? batchModelId;
        if (!modelId) throw DomainError.invalid(`predictions[${i}]: no model given`, [{ path: `predictions.${i}.modelId`, message: 'no model given' }]);
        return { ...p, modelId };
      }),
    );
  }

  /** One resolution pass; see resolvePredictions. */
  resolve(options: ResolveOptions = {}): Promise<number | null> {
    return resolvePredictions(this.repository, this.resolution, options);
  }

  private async store(rows: PredictionInput[]): Promise<StoreResult> {
    const seen = new Map<string, number>();
    rows.forEach((row, i) => {
      const first = seen.get(predictionKey(row));
      if (first !== undefined) {
        const message = `repeats predictions[${first}] (same model, ticker, timeframe and predictionTime)`;
        throw DomainError.invalid(`predictions[${i}] ${message}`, [{ path: `predictions.${i}`, message }]);
      }
      seen.set(predictionKey(row), i);
    });
    const models = new Map((await this.models.findByIds([...new Set(rows.map((r) => r.modelId))])).map((m) => [m.id, m]));
    rows.forEach((row, i) => {
      const model = models.get(row.modelId);
      if (!model) throw DomainError.notFound(`Model ${row.modelId} is not registered`);
      if ((model.ticker && model.ticker !== row.ticker) || (model.timeframe && model.timeframe !== row.timeframe)) {
        const message = `model ${model.name}@${model.version} predicts ${model.ticker ?? '*'} ${model.timeframe ?? '*'}, not ${row.ticker} ${row.timeframe}`;
        throw DomainError.invalid(`predictions[${i}]: ${message}`, [{ path: `predictions.${i}`, message }]);
      }
      if (row.modelVersion !== undefined && row.modelVersion !== model.version) {
        const message = `modelVersion ${row.modelVersion} is not the version of model ${model.name}@${model.version}`;
        throw DomainError.invalid(`predictions[${i}]: ${message}`, [{ path: `predictions.${i}.modelVersion`, message }]);
      }
    });
    const created = (await this.repository.insert(rows)).size;
    const stored = await this.repository.findByKeys(rows);
    return { received: rows.length, created, existing: rows.length - created, predictions: stored.map(toPredictionRow) };
  }
}

/**
 * One resolution pass (rules in resolution.ts): decides every due pending prediction and every
 * resolved one whose bars were corrected; returns how many changed, null when skipped.
 */
export function resolvePredictions(
  repository: Pick<PredictionRepository, 'underResolverLock'>,
  settings: ResolutionSettings,
  { now = new Date(), barsChangedSince, wait = false }: ResolveOptions = {},
): Promise<number | null> {
  const lookback = new Date(now.getTime() - CORRECTION_LOOKBACK_MS);
  const recheckSince = barsChangedSince && barsChangedSince < lookback ? barsChangedSince : lookback;
  const graceMs = settings.graceHours * 3_600_000;
  return repository.underResolverLock(wait, async (store) => {
    const candidates = await store.candidates(now, recheckSince);
    const decisions: Decision[] = [];
    for (const series of groupBySeries(candidates)) {
      const { ticker, timeframe } = series[0]!;
      // A reduce, not Math.min(...): a backlog can hold more candidates than a call takes arguments.
      const from = new Date(series.reduce((min, c) => Math.min(min, c.predictionTime.getTime()), Infinity));
      const to = new Date(series.reduce((max, c) => Math.max(max, c.targetTime.getTime()), -Infinity));
      const grid = sessionBars(timeframe, from, to);
      if (grid.length === 0) continue;
      const closes = await store.closes(ticker, timeframe, new Date(grid[0]!.start), to);
      decisions.push(...decideSeries(series, closes, grid, now, graceMs));
    }
    return store.apply(decisions, now);
  });
}

/** Candidates split per series (they arrive ordered by ticker, timeframe). */
function groupBySeries(candidates: readonly ResolutionCandidate[]): ResolutionCandidate[][] {
  const series: ResolutionCandidate[][] = [];
  for (const c of candidates) {
    const last = series.at(-1);
    if (last && last[0]!.ticker === c.ticker && last[0]!.timeframe === c.timeframe) last.push(c);
    else series.push([c]);
  }
  return series;
}
