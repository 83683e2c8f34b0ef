// The model-registry concepts, one zod schema each, shared by tRPC, REST and the SPA.
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
    version: z.string().trim().min(1).max(100),
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

export const DeployInputSchema = z.object({ modelId: z.uuid() });

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
  alreadyActive: z.boolean().describe('true when the model was already the active one (nothing changed)'),
  previousActiveModelId: z.uuid().nullable().describe('The model this deploy replaced, for a roll back'),
});
