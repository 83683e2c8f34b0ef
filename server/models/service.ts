// Model-registry use cases: registration (name + version unique; a retry with the same body gets
// the stored model), deployment (one active model per series, reporting the one it replaced) and
// live accuracy measured on stored predictions.
import { isDeepStrictEqual } from 'node:util';
import { Prisma } from '../db/generated/client';
import type { Timeframe } from '../market-data/schema';
import type { PredictionRepository } from '../predictions/repository';
import type { HitStats } from '../predictions/schema';
import { DomainError } from '../shared/domain-error';
import { toIso } from '../shared/time';
import type { ModelRecord, ModelRepository } from './repository';
import { DEFAULT_NEUTRAL_BAND, type DatasetRef, type ModelListQuery, type ModelRow, type RegisterModelInput } from './schema';

/** Where models look up the dataset versions they name (the dataset repository fulfils it). */
export interface DatasetLookup {
  findById(id: string): Promise<DatasetRef | null>;
}

function toModelRow(m: ModelRecord): ModelRow {
  return {
    ...m,
    timeframe: m.timeframe as Timeframe | null,
    hyperparameters: m.hyperparameters as ModelRow['hyperparameters'],
    featureImportance: m.featureImportance as ModelRow['featureImportance'],
    metrics: m.metrics as ModelRow['metrics'],
    trainingDataFrom: toIso(m.trainingDataFrom),
    trainingDataTo: toIso(m.trainingDataTo),
    trainedAt: toIso(m.trainedAt),
    deployedAt: toIso(m.deployedAt),
    createdAt: toIso(m.createdAt),
    updatedAt: toIso(m.updatedAt),
  };
}

/** What a registration says about a model, as stored: absent values are null, instants are milliseconds. */
function registration(m: Omit<RegisterModelInput, 'status'> | ModelRecord) {
  const time = (d: Date | null | undefined) => d?.getTime() ?? null;
  return {
    algorithm: m.algorithm,
    ticker: m.ticker ?? null,
    timeframe: m.timeframe ?? null,
    accuracy: m.accuracy ?? null,
    precision: m.precision ?? null,
    recall: m.recall ?? null,
    f1Score: m.f1Score ?? null,
    sharpeRatio: m.sharpeRatio ?? null,
    maxDrawdown: m.maxDrawdown ?? null,
    hyperparameters: m.hyperparameters ?? null,
    featureImportance: m.featureImportance ?? null,
    metrics: m.metrics ?? null,
    featureSet: m.featureSet,
    trainingDataFrom: time(m.trainingDataFrom),
    trainingDataTo: time(m.trainingDataTo),
    trainingRows: m.trainingRows ?? null,
    trainedAt: time(m.trainedAt),
    modelPath: m.modelPath ?? null,
    datasetId: m.datasetId ?? null,
    neutralBand: m.neutralBand ?? DEFAULT_NEUTRAL_BAND,
  };
}

/**
 * True when `input` registers the model `stored` holds (its status may have moved on since: a
 * deploy does not make a retried registration a different one).
 */
function sameRegistration(stored: ModelRecord, input: RegisterModelInput): boolean {
  return isDeepStrictEqual(registration(stored), registration(input));
}

const notFound = (id: string) => DomainError.notFound(`Model ${id} is not registered`);

export class ModelService {
  constructor(
    readonly repository: ModelRepository,
    private readonly predictions: PredictionRepository,
    private readonly datasets: DatasetLookup,
  ) {}

  async list(query: ModelListQuery): Promise<ModelRow[]> {
    return (await this.repository.list(query)).map(toModelRow);
  }

  async get(id: string): Promise<ModelRow & { liveStats: HitStats; dataset: DatasetRef | null }> {
    const [model, liveStats] = await Promise.all([this.repository.findById(id), this.predictions.hitStats({ modelId: id })]);
    if (!model) throw notFound(id);
    const dataset = model.datasetId ? await this.datasets.findById(model.datasetId) : null;
    return { ...toModelRow(model), liveStats, dataset: dataset && { id: dataset.id, name: dataset.name, version: dataset.version, contentHash: dataset.contentHash } };
  }

  async register({ hyperparameters, featureImportance, metrics, ...input }: RegisterModelInput): Promise<ModelRow> {
    // zod checked these are JSON objects; absent (or null) leaves the column NULL.
    const json = (value: Record<string, unknown> | null | undefined) => (value ?? undefined) as Prisma.InputJsonObject | undefined;
    if (input.datasetId && !(await this.datasets.findById(input.datasetId))) {
      throw DomainError.invalid('The dataset does not exist', [{ path: 'datasetId', message: `no saved dataset has id ${input.datasetId}` }]);
    }
    try {
      return toModelRow(
        await this.repository.create({
          ...input,
          hyperparameters: json(hyperparameters),
          featureImportance: json(featureImportance),
          metrics: json(metrics),
        }),
      );
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        // A retry of a registration whose answer was lost gets the model it created.
        const existing = await this.repository.findByNameVersion(input.name, input.version);
        if (existing && sameRegistration(existing, { hyperparameters, featureImportance, metrics, ...input })) return toModelRow(existing);
        throw DomainError.conflict(`Model ${input.name}@${input.version} is already registered`, error);
      }
      throw error;
    }
  }

  /** Makes the model the only active one of its series; deploying the active model changes nothing. */
  async deploy(modelId: string): Promise<{ model: ModelRow; alreadyActive: boolean; previousActiveModelId: string | null }> {
    const result = await this.repository.activate(modelId);
    if (!result) throw notFound(modelId);
    const alreadyActive = result.previousId === modelId;
    return { model: toModelRow(result.model), alreadyActive, previousActiveModelId: alreadyActive ? null : result.previousId };
  }
}
