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
import { runBacktest, type BacktestResult } from './backtest';
import type { BacktestRepository, BacktestRunRecord } from './backtest-repository';
import type { DeploymentRecord, ModelRecord, ModelRepository } from './repository';
import { DEFAULT_NEUTRAL_BAND, type BacktestInput, type BacktestRun, type DatasetRef, type DeployInput, type Deployment, type ModelListQuery, type ModelRow, type RegisterModelInput, type RollbackInput, type SeriesQuery } from './schema';

/** Where models look up the dataset versions they name (the dataset repository fulfils it). */
export interface DatasetLookup {
  findById(id: string): Promise<DatasetRef | null>;
}

function toModelRow(m: ModelRecord, aliases: string[] = []): ModelRow {
  return {
    ...m,
    aliases,
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
    private readonly backtests: BacktestRepository,
  ) {}

  async list(query: ModelListQuery): Promise<ModelRow[]> {
    return this.withAliases(await this.repository.list(query));
  }

  async get(id: string): Promise<ModelRow & { liveStats: HitStats; dataset: DatasetRef | null }> {
    const [model, liveStats] = await Promise.all([this.repository.findById(id), this.predictions.hitStats({ modelId: id })]);
    if (!model) throw notFound(id);
    const [dataset, [row]] = await Promise.all([model.datasetId ? this.datasets.findById(model.datasetId) : null, this.withAliases([model])]);
    return { ...row!, liveStats, dataset: dataset && { id: dataset.id, name: dataset.name, version: dataset.version, contentHash: dataset.contentHash } };
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
        if (existing && sameRegistration(existing, { hyperparameters, featureImportance, metrics, ...input })) return (await this.withAliases([existing]))[0]!;
        if (existing) throw DomainError.conflict(`Model ${input.name}@${input.version} is already registered`, error);
        // Otherwise the other key: models_series_algorithm_version.
        const series = input.ticker ? `${input.ticker} ${input.timeframe ?? '(any timeframe)'}` : 'every series';
        throw DomainError.conflict(`A ${input.algorithm} model version ${input.version} is already registered for ${series}`, error);
      }
      throw error;
    }
  }

  /**
   * Points an alias of the model's series at it (`champion`: makes it the only active model), recording
   * who and why; pointing an alias at the model it already names changes nothing.
   */
  async deploy(input: DeployInput, actor: string): Promise<{ model: ModelRow; alias: string; alreadyActive: boolean; previousActiveModelId: string | null }> {
    const move = await this.repository.deploy(input.modelId, input.alias, { actor, reason: input.reason ?? null });
    if (!move) throw notFound(input.modelId);
    return { model: await this.row(move.toModelId), alias: move.alias, alreadyActive: !move.moved, previousActiveModelId: move.moved ? move.fromModelId : null };
  }

  /** Restores the series' previous champion (a second rollback undoes the first). */
  async rollback(input: RollbackInput, actor: string): Promise<{ model: ModelRow; rolledBackModelId: string }> {
    const move = await this.repository.rollback(input, { actor, reason: input.reason ?? null });
    if (!move) {
      throw new DomainError('unprocessable', `${input.ticker} ${input.timeframe} has no recorded previous champion to roll back to`);
    }
    return { model: await this.row(move.toModelId), rolledBackModelId: move.fromModelId! };
  }

  /** A series' aliases and its deployment history, newest first. */
  async series(query: SeriesQuery): Promise<{ aliases: Array<{ alias: string; modelId: string }>; deployments: Deployment[] }> {
    const [aliases, history] = await Promise.all([this.repository.aliases(query), this.repository.history(query, query.limit)]);
    return { aliases, deployments: history.map(toDeployment) };
  }

  /** Replays the model's resolved predictions (server/models/backtest.ts) and stores the run. */
  async backtest(input: BacktestInput, actor: string): Promise<{ run: BacktestRun; trades: BacktestResult['trades'] }> {
    const model = await this.repository.findById(input.id);
    if (!model) throw notFound(input.id);
    const ticker = input.ticker ?? model.ticker;
    const timeframe = input.timeframe ?? (model.timeframe as Timeframe | null);
    if (!ticker || !timeframe) {
      throw DomainError.invalid('The model predicts every series: name one', [{ path: ticker ? 'timeframe' : 'ticker', message: 'required for a model without a series' }]);
    }
    const parameters = { ticker, timeframe, feeBps: input.feeBps, slippageBps: input.slippageBps, minConfidence: input.minConfidence, shortOnDown: input.shortOnDown };
    const result = runBacktest(await this.backtests.signals(model.id, ticker, timeframe), parameters);
    const run = await this.backtests.saveRun({ modelId: model.id, parameters, statistics: result.statistics, equityCurve: result.equityCurve, createdBy: actor });
    return { run: toBacktestRun(run), trades: result.trades };
  }

  /** A model's stored backtests, newest first. */
  async backtestRuns(id: string, limit: number): Promise<BacktestRun[]> {
    if (!(await this.repository.findById(id))) throw notFound(id);
    return (await this.backtests.runs(id, limit)).map(toBacktestRun);
  }

  private async row(id: string): Promise<ModelRow> {
    const model = await this.repository.findById(id);
    if (!model) throw notFound(id);
    return (await this.withAliases([model]))[0]!;
  }

  private async withAliases(models: ModelRecord[]): Promise<ModelRow[]> {
    const aliases = await this.repository.aliasesOf(models.map((m) => m.id));
    return models.map((m) => toModelRow(m, aliases.get(m.id)));
  }
}

const toDeployment = (d: DeploymentRecord): Deployment => ({ ...d, timeframe: d.timeframe as Timeframe | null, createdAt: toIso(d.createdAt) });
const toBacktestRun = (r: BacktestRunRecord): BacktestRun => ({ ...r, parameters: { ...r.parameters, timeframe: r.parameters.timeframe as Timeframe }, createdAt: toIso(r.createdAt) });
