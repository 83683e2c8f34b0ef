// Prediction use cases between the routers and the repositories: the write rules (known model,
// matching series, no repeated key in a batch, idempotent retries), wire shapes (ISO timestamps,
// the plan's `model` object) and the resolver schedule.
import { TRPCError } from '@trpc/server';
import type pg from 'pg';
import type { PrismaClient } from '../db/generated/client';
import { logger } from '../logger';
import type { Timeframe } from '../market-data/schema';
import { ModelRepository } from '../models/repository';
import type { Services } from '../services';
import { PredictionRepository, predictionKey, type ModelSummary, type NewPrediction, type PredictionRecord } from './repository';
import {
  toIso,
  toPage,
  type AccuracyQuery,
  type AccuracyReport,
  type LatestPrediction,
  type PredictionListQuery,
  type PredictionRow,
  type WebhookInput,
} from './schema';

function toPredictionRow(p: PredictionRecord): PredictionRow {
  return {
    ...p,
    predictionTime: toIso(p.predictionTime),
    targetTime: toIso(p.targetTime),
    resolvedAt: toIso(p.resolvedAt),
    createdAt: toIso(p.createdAt),
  };
}

/** A prediction with the plan's `model: { name, algorithm, accuracy, version }`. */
function toLatestPrediction({ modelName, modelVersion, modelAlgorithm, modelAccuracy, ...p }: PredictionRecord & ModelSummary): LatestPrediction {
  return { ...toPredictionRow(p), model: { name: modelName, algorithm: modelAlgorithm, accuracy: modelAccuracy, version: modelVersion } };
}

export interface StoreResult {
  received: number;
  created: number;
  existing: number;
  predictions: PredictionRow[];
}

export class PredictionService {
  readonly repository: PredictionRepository;
  private readonly models: ModelRepository;

  constructor(prisma: PrismaClient, pool: pg.Pool) {
    this.repository = new PredictionRepository(pool);
    this.models = new ModelRepository(prisma);
  }

  async list(query: PredictionListQuery) {
    const rows = await this.repository.list({ ...query, limit: query.limit + 1 });
    return toPage(rows, query.limit, (p) => ({ time: p.predictionTime, id: p.id }), toPredictionRow);
  }

  async latest(ticker: string, timeframe: Timeframe, limit: number): Promise<LatestPrediction[]> {
    return (await this.repository.latestPerModel(ticker, timeframe, limit)).map(toLatestPrediction);
  }

  async accuracy({ bucket, ...filter }: AccuracyQuery): Promise<AccuracyReport> {
    const [models, breakdown] = await Promise.all([this.repository.accuracy(filter), this.repository.accuracyBreakdown(filter, bucket)]);
    return { models, ...breakdown };
  }

  /** One prediction; a retry returns the stored row with `created: false`. */
  async create(prediction: NewPrediction): Promise<{ created: boolean; prediction: PredictionRow }> {
    const { created, predictions } = await this.store([prediction]);
    return { created: created === 1, prediction: predictions[0]! };
  }

  /** All or nothing; rows already stored (a retried batch) are returned as they are, not rewritten. */
  createBatch(predictions: NewPrediction[]): Promise<StoreResult> {
    return this.store(predictions);
  }

  /** The ML service's push: resolves a model given by name + version, then stores like a batch. */
  async webhook(input: WebhookInput): Promise<StoreResult> {
    let batchModelId = input.modelId;
    if (!batchModelId && input.model) {
      const { name, version } = input.model;
      const model = await this.models.findByNameVersion(name, version);
      if (!model) throw new TRPCError({ code: 'NOT_FOUND', message: `Model ${name}@${version} is not registered` });
      batchModelId = model.id;
    }
    return this.store(
      input.predictions.map((p, i) => {
        const modelId = p.modelId ?? batchModelId;
        if (!modelId) throw new TRPCError({ code: 'BAD_REQUEST', message: `predictions[${i}]: no model given` });
        return { ...p, modelId };
      }),
    );
  }

  resolveDue(now?: Date): Promise<number> {
    return this.repository.resolveDue(now);
  }

  private async store(rows: NewPrediction[]): Promise<StoreResult> {
    const seen = new Map<string, number>();
    rows.forEach((row, i) => {
      const first = seen.get(predictionKey(row));
      if (first !== undefined) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: `predictions[${i}] repeats predictions[${first}] (same model, ticker, timeframe and predictionTime)` });
      }
      seen.set(predictionKey(row), i);
    });
    const models = new Map((await this.models.findByIds([...new Set(rows.map((r) => r.modelId))])).map((m) => [m.id, m]));
    rows.forEach((row, i) => {
      const model = models.get(row.modelId);
      if (!model) throw new TRPCError({ code: 'NOT_FOUND', message: `Model ${row.modelId} is not registered` });
      if ((model.ticker && model.ticker !== row.ticker) || (model.timeframe && model.timeframe !== row.timeframe)) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `predictions[${i}]: model ${model.name}@${model.version} predicts ${model.ticker ?? '*'} ${model.timeframe ?? '*'}, not ${row.ticker} ${row.timeframe}`,
        });
      }
    });
    const created = (await this.repository.insert(rows)).size;
    const stored = await this.repository.findByKeys(rows);
    return { received: rows.length, created, existing: rows.length - created, predictions: stored.map(toPredictionRow) };
  }
}

/**
 * Resolves due predictions every `intervalSeconds`, once across instances (the repository's
 * advisory lock), one run at a time in this process. The timer is unref'd; on shutdown await
 * stop(), which lets a run in progress finish before the pool is closed.
 */
export function startPredictionResolver(services: Pick<Services, 'predictions' | 'systemMetrics'>, opts: { intervalSeconds: number }) {
  let running: Promise<void> | null = null;
  const run = async () => {
    const started = performance.now();
    const resolved = await services.predictions.repository.resolveDueExclusive();
    if (resolved === null) return; // another instance is on it
    const ms = Math.round(performance.now() - started);
    await services.systemMetrics.record('prediction_resolver.resolved', resolved, { ms });
    if (resolved > 0) logger.info({ resolved, ms }, 'predictions resolved');
  };
  const timer = setInterval(() => {
    running ??= run()
      .catch((error: unknown) => logger.warn({ err: error }, 'prediction resolver failed'))
      .finally(() => {
        running = null;
      });
  }, opts.intervalSeconds * 1000).unref();
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}
