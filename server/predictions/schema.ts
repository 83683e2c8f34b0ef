// The prediction concepts, one zod schema each, shared by tRPC, REST and the SPA.
import { z } from 'zod';
import { SeriesKeySchema, TickerSchema, TimeframeSchema } from '../market-data/schema';
import { LimitSchema, PageQuerySchema } from '../shared/pagination';
import { IsoDateTimeSchema, QueryDateSchema } from '../shared/time';
import { ROW_LIMITS } from '../shared/limits';

const DIRECTIONS = ['UP', 'DOWN', 'NEUTRAL'] as const;
export const DirectionSchema = z.enum(DIRECTIONS);
export type Direction = z.infer<typeof DirectionSchema>;

// ---- inputs -----------------------------------------------------------------------------------

const ProbabilitySchema = z.number().min(0).max(1);
const InstantSchema = z.coerce.date<Date | string | number>();
const JsonObjectSchema = z.record(z.string(), z.unknown());

/** A prediction as an ML service sends it (the plan's field names); the model is identified separately. */
const PredictionFieldsSchema = z.object({
  ticker: TickerSchema,
  timeframe: TimeframeSchema,
  modelVersion: z.string().min(1).optional().describe("The model's version; when given it must match the registered model"),
  predictionTime: InstantSchema,
  targetTime: InstantSchema,
  direction: DirectionSchema,
  confidence: ProbabilitySchema,
  probability: ProbabilitySchema.nullish().describe('Predicted probability of `direction`'),
  predictedPrice: z.number().positive().nullish(),
  predictedChange: z.number().nullish(),
  basePrice: z.number().positive().nullish().describe('Close at predictionTime as the client saw it; kept as sent, not needed to resolve'),
  features: JsonObjectSchema.nullish().describe('Features used for this prediction'),
  modelOutput: JsonObjectSchema.nullish().describe('Raw model output, for debugging'),
});

const targetAfterPrediction = (p: { predictionTime: Date; targetTime: Date }) => p.targetTime > p.predictionTime;
const targetAfterPredictionIssue = { path: ['targetTime'], message: 'targetTime must be after predictionTime' };

export const NewPredictionSchema = PredictionFieldsSchema.extend({ modelId: z.uuid() }).refine(targetAfterPrediction, targetAfterPredictionIssue);
export type NewPredictionInput = z.infer<typeof NewPredictionSchema>;

const MAX_BATCH = 5000;

export const PredictionBatchInputSchema = z.object({ predictions: z.array(NewPredictionSchema).min(1).max(MAX_BATCH) });

const ModelRefSchema = z.object({ name: z.string().min(1), version: z.string().min(1) });

/** The ML service's push: the model by id or by name + version, for the batch or per prediction. */
export const WebhookInputSchema = z
  .object({
    modelId: z.uuid().optional(),
    model: ModelRefSchema.optional(),
    predictions: z
      .array(PredictionFieldsSchema.extend({ modelId: z.uuid().optional() }).refine(targetAfterPrediction, targetAfterPredictionIssue))
      .min(1)
      .max(MAX_BATCH),
  })
  .refine((w) => w.modelId || w.model || w.predictions.every((p) => p.modelId), {
    path: ['model'],
    message: 'identify the model: modelId, model { name, version }, or a modelId on every prediction',
  });
export type WebhookInput = z.infer<typeof WebhookInputSchema>;

const PREDICTION_STATUSES = ['pending', 'resolved', 'unresolvable', 'correct', 'wrong'] as const;

const PredictionFilterSchema = z.object({
  ticker: TickerSchema.optional(),
  timeframe: TimeframeSchema.optional(),
  modelId: z.uuid().optional(),
  from: QueryDateSchema.optional().describe('predictionTime >= from'),
  to: QueryDateSchema.optional().describe('predictionTime < to'),
});
export type PredictionFilter = z.infer<typeof PredictionFilterSchema>;

export const PredictionListQuerySchema = PredictionFilterSchema.extend({
  status: z.enum(PREDICTION_STATUSES).optional(),
  ...PageQuerySchema.shape,
});
export type PredictionListQuery = z.infer<typeof PredictionListQuerySchema>;

export const LatestQuerySchema = SeriesKeySchema.extend({ limit: LimitSchema(ROW_LIMITS.latestPredictions) });

/** Rolling windows of the accuracy report: predictionTime within the last 7, 30 or 90 days, or all. */
const ACCURACY_WINDOWS = ['7d', '30d', '90d', 'all'] as const;

export const AccuracyQuerySchema = PredictionFilterSchema.extend({
  bucket: z.enum(['day', 'week']).default('day'),
  window: z.enum(ACCURACY_WINDOWS).default('all').describe('Only predictions made in the last 7, 30 or 90 days (before now), or all'),
  last: z.coerce
    .number<number>()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .describe('Only the last N predictions whose targetTime has passed, per model version and series (within the window)'),
});
export type AccuracyQuery = z.infer<typeof AccuracyQuerySchema>;

// ---- outputs ----------------------------------------------------------------------------------

export const PredictionRowSchema = z.object({
  id: z.uuid(),
  modelId: z.uuid(),
  modelVersion: z.string(),
  ticker: z.string(),
  timeframe: TimeframeSchema,
  predictionTime: IsoDateTimeSchema,
  targetTime: IsoDateTimeSchema,
  direction: DirectionSchema,
  confidence: z.number(),
  probability: z.number().nullable(),
  predictedPrice: z.number().nullable(),
  predictedChange: z.number().nullable(),
  basePrice: z.number().nullable(),
  actualDirection: DirectionSchema.nullable(),
  actualPrice: z.number().nullable(),
  actualChange: z.number().nullable(),
  correct: z.boolean().nullable().describe('Whether `direction` was right; null until resolved'),
  resolvedAt: IsoDateTimeSchema.nullable(),
  resolutionStatus: z.enum(['PENDING', 'RESOLVED', 'UNRESOLVABLE']).describe('UNRESOLVABLE: bars still missing once the grace period passed'),
  unresolvableReason: z.string().nullable(),
  referencePrice: z.number().nullable().describe('Close of the last regular-session bar ending at or before predictionTime'),
  referenceBarTime: IsoDateTimeSchema.nullable(),
  outcomeBarTime: IsoDateTimeSchema.nullable().describe('Start of the bar whose close is actualPrice'),
  basePriceMismatch: z.boolean().nullable().describe('true when basePrice differs from referencePrice by more than 1 bp'),
  features: JsonObjectSchema.nullable(),
  modelOutput: JsonObjectSchema.nullable(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type PredictionRow = z.infer<typeof PredictionRowSchema>;

/** Beside a model's registered test-set `accuracy`: how its resolved predictions did (kept by the resolver). */
export const LiveAccuracySchema = z.object({
  liveAccuracy: z.number().nullable().describe('Hit rate of its RESOLVED predictions; null before the first'),
  liveCount: z.number().describe('How many of its predictions are RESOLVED'),
});

/** The plan's latest-prediction item: the prediction plus `model: { name, algorithm, accuracy, version }`. */
const LatestPredictionSchema = PredictionRowSchema.extend({
  model: z.object({ name: z.string(), algorithm: z.string(), accuracy: z.number().nullable(), version: z.string(), ...LiveAccuracySchema.shape }),
});
export type LatestPrediction = z.infer<typeof LatestPredictionSchema>;

export const LatestResponseSchema = z.object({
  success: z.literal(true),
  count: z.number(),
  predictions: z.array(LatestPredictionSchema),
  timestamp: IsoDateTimeSchema,
});

export const PredictionListResponseSchema = z.object({
  success: z.literal(true),
  count: z.number(),
  predictions: z.array(PredictionRowSchema),
  nextCursor: z.string().nullable(),
});

export const CreatePredictionResponseSchema = z.object({
  success: z.literal(true),
  created: z.boolean().describe('false when this prediction was already stored (a retried request)'),
  prediction: PredictionRowSchema,
});

export const BatchResponseSchema = z.object({
  success: z.literal(true),
  received: z.number(),
  created: z.number(),
  existing: z.number(),
  predictions: z.array(PredictionRowSchema).describe('The stored rows, in request order'),
});

/** Hit rate and mean confidence of a set of predictions. */
export const HitStatsSchema = z.object({
  total: z.number(),
  resolved: z.number(),
  correct: z.number(),
  hitRate: z.number().nullable().describe('correct / resolved; null before any is resolved'),
  avgConfidence: z.number().nullable(),
});
export type HitStats = z.infer<typeof HitStatsSchema>;

const SeriesOfModelSchema = z.object({ modelId: z.uuid(), ticker: z.string(), timeframe: TimeframeSchema });

export const AccuracyResponseSchema = z.object({
  success: z.literal(true),
  window: z.enum(ACCURACY_WINDOWS),
  last: z.number().nullable(),
  models: z.array(
    HitStatsSchema.extend({
      ...SeriesOfModelSchema.shape,
      modelName: z.string(),
      modelVersion: z.string(),
      due: z.number().describe('Predictions whose targetTime has passed'),
      unresolvable: z.number(),
      coverage: z.number().nullable().describe('(resolved + unresolvable) / due'),
      brier: z.number().nullable().describe('mean of (confidence - correct)^2 over resolved predictions; confidence = P(direction is right)'),
      logLoss: z.number().nullable().describe('mean of -ln(confidence) when right, -ln(1 - confidence) when wrong (clamped at 1e-15)'),
    }),
  ),
  overTime: z.array(z.object({ modelId: z.uuid(), bucket: IsoDateTimeSchema, resolved: z.number(), correct: z.number(), hitRate: z.number() })),
  calibration: z.array(
    SeriesOfModelSchema.extend({
      lower: z.number(),
      upper: z.number(),
      count: z.number(),
      avgConfidence: z.number(),
      hitRate: z.number(),
    }),
  ),
  directions: z.array(
    SeriesOfModelSchema.extend({
      direction: DirectionSchema,
      predicted: z.number(),
      actual: z.number(),
      truePositives: z.number(),
      precision: z.number().nullable(),
      recall: z.number().nullable(),
    }),
  ),
});
export type AccuracyReport = Omit<z.infer<typeof AccuracyResponseSchema>, 'success'>;

export const ResolveResponseSchema = z.object({ success: z.literal(true), resolved: z.number() });
