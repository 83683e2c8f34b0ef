// The model-registry concepts, one zod schema each, shared by tRPC, REST and the SPA.
import semver from 'semver';
import { z } from 'zod';
import { TickerSchema, TimeframeSchema } from '../market-data/schema';
import { HitStatsSchema, LiveAccuracySchema } from '../predictions/schema';
import { IsoDateTimeSchema } from '../shared/time';

const MetricSchema = z.number().min(0).max(1).nullish();
const JsonObjectSchema = z.record(z.string(), z.unknown());
const InstantSchema = z.coerce.date<Date | string | number>();

export const ModelListQuerySchema = z.object({
  ticker: TickerSchema.optional(),
  timeframe: TimeframeSchema.optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('"true": only active models; "false": only inactive ones'),
});
export type ModelListQuery = z.infer<typeof ModelListQuerySchema>;

/** The NEUTRAL band of a model registered without one (server/predictions/resolution.ts). */
export const DEFAULT_NEUTRAL_BAND = 0.0001;

export const ModelIdSchema = z.object({ id: z.uuid() });

export const RegisterModelSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    version: z
      .string()
      .trim()
      .max(100)
      // semver.valid() also takes a leading v or =, which a registry version should not carry.
      .refine((v) => semver.valid(v) !== null && /^\d/.test(v), 'must be a semantic version such as 1.0.0 (semver.org)')
      .describe('A semantic version (1.0.0); unique per (ticker, timeframe, algorithm)'),
    algorithm: z.string().trim().min(1).max(100),
    ticker: TickerSchema.nullish().describe('The series the model predicts; omit for a model of every series'),
    timeframe: TimeframeSchema.nullish(),
    status: z.enum(['TRAINING', 'READY']).default('READY').describe('Deployment goes through POST /models/deploy'),
    accuracy: MetricSchema,
    precision: MetricSchema,
    recall: MetricSchema,
    f1Score: MetricSchema,
    sharpeRatio: z.number().nullish(),
    maxDrawdown: z.number().nullish().describe('From backtesting'),
    hyperparameters: JsonObjectSchema.nullish(),
    featureImportance: JsonObjectSchema.nullish(),
    metrics: JsonObjectSchema.nullish(),
    featureSet: z.array(z.string().min(1)).max(1000).default([]),
    trainingDataFrom: InstantSchema.nullish(),
    trainingDataTo: InstantSchema.nullish(),
    trainingRows: z.number().int().min(0).nullish(),
    trainedAt: InstantSchema.nullish(),
    modelPath: z.string().trim().min(1).max(1000).nullish().describe('Where the serialized model is stored (S3 or local path)'),
    datasetId: z.uuid().nullish().describe('The saved dataset version (POST /api/datasets) the model was trained on'),
    neutralBand: z
      .number()
      .min(0)
      .lt(1)
      .optional()
      .describe(`Outcomes with |relative change| <= neutralBand resolve as NEUTRAL (default ${DEFAULT_NEUTRAL_BAND} = 0.01 %)`),
  })
  .refine((m) => !m.trainingDataFrom || !m.trainingDataTo || m.trainingDataFrom <= m.trainingDataTo, {
    path: ['trainingDataTo'],
    message: 'trainingDataTo must not be before trainingDataFrom',
  });
export type RegisterModelInput = z.infer<typeof RegisterModelSchema>;

/** MLflow-style alias names: lower case, `champion` (the active model), `challenger` or any other. */
const AliasSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower case letters, digits, - or _, starting with a letter')
  .describe('champion (the active model), challenger, or any other name');

const ReasonSchema = z.string().trim().min(1).max(500).nullish().describe('Why, for the deployment history');

export const DeployInputSchema = z.object({
  modelId: z.uuid(),
  alias: AliasSchema.default('champion'),
  reason: ReasonSchema,
});
export type DeployInput = z.infer<typeof DeployInputSchema>;

export const RollbackInputSchema = z.object({ ticker: TickerSchema, timeframe: TimeframeSchema, reason: ReasonSchema });
export type RollbackInput = z.infer<typeof RollbackInputSchema>;

export const SeriesQuerySchema = z.object({
  ticker: TickerSchema,
  timeframe: TimeframeSchema,
  limit: z.coerce.number<number>().int().min(1).max(1000).default(100).describe('History rows, newest first'),
});
export type SeriesQuery = z.infer<typeof SeriesQuerySchema>;

/** A dataset version as a model names it (GET /api/datasets/{id} has the rest). */
const DatasetRefSchema = z.object({ id: z.uuid(), name: z.string(), version: z.number(), contentHash: z.string() });
export type DatasetRef = z.infer<typeof DatasetRefSchema>;

const ModelRowSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  version: z.string(),
  algorithm: z.string(),
  ticker: z.string().nullable(),
  timeframe: TimeframeSchema.nullable(),
  status: z.enum(['TRAINING', 'READY', 'DEPLOYED', 'RETIRED']),
  isActive: z.boolean(),
  accuracy: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  f1Score: z.number().nullable(),
  sharpeRatio: z.number().nullable(),
  maxDrawdown: z.number().nullable(),
  hyperparameters: JsonObjectSchema.nullable(),
  featureImportance: JsonObjectSchema.nullable(),
  metrics: JsonObjectSchema.nullable(),
  featureSet: z.array(z.string()),
  trainingDataFrom: IsoDateTimeSchema.nullable(),
  trainingDataTo: IsoDateTimeSchema.nullable(),
  trainingRows: z.number().nullable(),
  trainedAt: IsoDateTimeSchema.nullable(),
  modelPath: z.string().nullable(),
  datasetId: z.uuid().nullable(),
  neutralBand: z.number(),
  ...LiveAccuracySchema.shape,
  deployedAt: IsoDateTimeSchema.nullable(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
  aliases: z.array(z.string()).describe('The aliases naming this model in its series (champion = active)'),
});
export type ModelRow = z.infer<typeof ModelRowSchema>;

export const ModelListResponseSchema = z.object({ success: z.literal(true), count: z.number(), models: z.array(ModelRowSchema) });

export const ModelDetailResponseSchema = z.object({
  success: z.literal(true),
  model: ModelRowSchema.extend({
    liveStats: HitStatsSchema.describe("Measured on this model's stored predictions"),
    dataset: DatasetRefSchema.nullable().describe('The dataset version the model was trained on'),
  }),
});

export const ModelResponseSchema = z.object({ success: z.literal(true), model: ModelRowSchema });

export const DeployResponseSchema = z.object({
  success: z.literal(true),
  model: ModelRowSchema,
  alias: z.string(),
  alreadyActive: z.boolean().describe('true when the alias already named the model (nothing changed, nothing recorded)'),
  previousActiveModelId: z.uuid().nullable().describe('The model the alias named before (for champion: the one this deploy replaced)'),
});

export const RollbackResponseSchema = z.object({
  success: z.literal(true),
  model: ModelRowSchema.describe('The restored champion'),
  rolledBackModelId: z.uuid().describe('The champion it replaced'),
});

const DeploymentSchema = z.object({
  id: z.string(),
  ticker: z.string().nullable(),
  timeframe: TimeframeSchema.nullable(),
  alias: z.string(),
  fromModelId: z.uuid().nullable(),
  toModelId: z.uuid(),
  action: z.enum(['deploy', 'rollback']),
  actor: z.string().describe('The API key (by name) that moved the alias'),
  reason: z.string().nullable(),
  createdAt: IsoDateTimeSchema,
});
export type Deployment = z.infer<typeof DeploymentSchema>;

export const SeriesRegistryResponseSchema = z.object({
  success: z.literal(true),
  ticker: z.string(),
  timeframe: TimeframeSchema,
  aliases: z.array(z.object({ alias: z.string(), modelId: z.uuid() })),
  count: z.number(),
  deployments: z.array(DeploymentSchema).describe('Append-only deployment history, newest first'),
});

const BpsSchema = z.number().min(0).max(1000);

export const BacktestInputSchema = z.object({
  id: z.uuid(),
  feeBps: BpsSchema.default(0).describe('Fee per side, in basis points'),
  slippageBps: BpsSchema.default(0).describe('Slippage per side, in basis points'),
  minConfidence: z.number().min(0).max(1).default(0).describe('Predictions below it are not traded'),
  shortOnDown: z.boolean().default(false).describe('true: go short on DOWN; false: stay flat'),
  ticker: TickerSchema.optional().describe("The series to replay; defaults to the model's"),
  timeframe: TimeframeSchema.optional(),
});
export type BacktestInput = z.infer<typeof BacktestInputSchema>;

export const BacktestRunsQuerySchema = z.object({ id: z.uuid(), limit: z.coerce.number<number>().int().min(1).max(100).default(10) });

const BacktestRunSchema = z.object({
  id: z.uuid(),
  modelId: z.uuid(),
  parameters: z.object({
    ticker: z.string(),
    timeframe: TimeframeSchema,
    feeBps: z.number(),
    slippageBps: z.number(),
    minConfidence: z.number(),
    shortOnDown: z.boolean(),
  }),
  statistics: z.object({
    trades: z.number(),
    totalReturn: z.number(),
    buyAndHoldReturn: z.number().nullable(),
    cagr: z.number().nullable(),
    sharpe: z.number().nullable().describe('Mean / sample sd of per-trade net returns x sqrt(trades per year)'),
    sortino: z.number().nullable().describe('Mean / downside deviation of per-trade net returns x sqrt(trades per year)'),
    maxDrawdown: z.number(),
    maxDrawdownDurationDays: z.number(),
    winRate: z.number().nullable(),
    exposure: z.number().nullable(),
    profitFactor: z.number().nullable(),
    spanFrom: IsoDateTimeSchema.nullable(),
    spanTo: IsoDateTimeSchema.nullable(),
  }),
  equityCurve: z.array(z.object({ at: IsoDateTimeSchema, equity: z.number(), buyAndHold: z.number() })),
  createdBy: z.string(),
  createdAt: IsoDateTimeSchema,
});
export type BacktestRun = z.infer<typeof BacktestRunSchema>;

export const BacktestResponseSchema = z.object({
  success: z.literal(true),
  run: BacktestRunSchema,
  trades: z.array(
    z.object({
      side: z.enum(['LONG', 'SHORT']),
      entryAt: IsoDateTimeSchema,
      entryPrice: z.number(),
      exitAt: IsoDateTimeSchema,
      exitPrice: z.number(),
      netReturn: z.number(),
    }),
  ),
});

export const BacktestRunsResponseSchema = z.object({ success: z.literal(true), count: z.number(), runs: z.array(BacktestRunSchema) });
