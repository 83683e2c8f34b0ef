// The model-registry concepts, one zod schema each, shared by tRPC, REST and the SPA.
import { z } from 'zod';
import { TickerSchema, TimeframeSchema } from '../market-data/schema';
import { HitStatsSchema } from '../predictions/schema';
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
    hyperparameters: JsonObjectSchema.nullish(),
    metrics: JsonObjectSchema.nullish(),
    featureSet: z.array(z.string().min(1)).max(1000).default([]),
    trainingStart: InstantSchema.nullish(),
    trainingEnd: InstantSchema.nullish(),
    trainedAt: InstantSchema.nullish(),
  })
  .refine((m) => !m.trainingStart || !m.trainingEnd || m.trainingStart <= m.trainingEnd, {
    path: ['trainingEnd'],
    message: 'trainingEnd must not be before trainingStart',
  });
export type RegisterModelInput = z.infer<typeof RegisterModelSchema>;

export const DeployInputSchema = z.object({ modelId: z.uuid() });

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
  hyperparameters: JsonObjectSchema.nullable(),
  metrics: JsonObjectSchema.nullable(),
  featureSet: z.array(z.string()),
  trainingStart: IsoDateTimeSchema.nullable(),
  trainingEnd: IsoDateTimeSchema.nullable(),
  trainedAt: IsoDateTimeSchema.nullable(),
  deployedAt: IsoDateTimeSchema.nullable(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type ModelRow = z.infer<typeof ModelRowSchema>;

export const ModelListResponseSchema = z.object({ success: z.literal(true), count: z.number(), models: z.array(ModelRowSchema) });

export const ModelDetailResponseSchema = z.object({
  success: z.literal(true),
  model: ModelRowSchema.extend({ liveAccuracy: HitStatsSchema.describe("Measured on this model's stored predictions") }),
});

export const ModelResponseSchema = z.object({ success: z.literal(true), model: ModelRowSchema });

export const DeployResponseSchema = z.object({
  success: z.literal(true),
  model: ModelRowSchema,
  alreadyActive: z.boolean().describe('true when the model was already the active one (nothing changed)'),
  previousActiveModelId: z.uuid().nullable().describe('The model this deploy replaced, for a roll back'),
});
