// The feature concepts, one zod schema each, shared by tRPC, REST and the SPA.
import { z } from 'zod';
import { BarsResponseSchema, TickerSchema, TimeframeSchema } from '../market-data/schema';
import { LimitSchema } from '../shared/pagination';
import { QueryDateSchema } from '../shared/time';
import { ROW_LIMITS } from '../shared/limits';
import { BAG_KEYS, FEATURE_CATALOG, FEATURE_COLUMNS, type FeatureBagKey, type FeatureColumnName } from './indicators';

/**
 * The names a client selects and reads back: the plan's 19 Feature columns (sma_20, rsi_14, ...)
 * and the JSON-bag features by their key (wma_20, ...): the catalog's names.
 */
export type FeatureKey = FeatureColumnName | FeatureBagKey;
export const FEATURE_KEYS: readonly FeatureKey[] = [...FEATURE_COLUMNS, ...BAG_KEYS];
const KNOWN_KEYS: ReadonlySet<string> = new Set(FEATURE_KEYS);

/** Null when every name is a feature; otherwise the message naming the others. */
export function unknownFeaturesIssue(names: readonly string[]): string | null {
  const unknown = names.filter((n) => !KNOWN_KEYS.has(n));
  return unknown.length === 0 ? null : `unknown feature column(s): ${unknown.join(', ')}; valid names are listed by GET /api/market-data/features/catalog`;
}

/** `sma_20,rsi_14,wma_20` -> the list; empty or absent = every feature. Unknown names are a 400 naming them. */
const FeatureColumnsSchema = z
  .string()
  .describe('Comma-separated feature names (the catalog\'s `name`: sma_20, rsi_14, wma_20, ...); absent = every feature')
  .optional()
  .transform((raw, ctx): FeatureKey[] => {
    const names = [...new Set((raw ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
    const issue = unknownFeaturesIssue(names);
    if (issue) {
      ctx.addIssue({ code: 'custom', message: issue });
      return z.NEVER;
    }
    return names.length > 0 ? (names as FeatureKey[]) : [...FEATURE_KEYS];
  });

/**
 * Either a range (`from` inclusive, `to` exclusive: the earliest `limit` rows from `from`) or, as
 * for bars, the latest `limit` rows up to `endDate` (inclusive). Oldest first either way.
 */
export const FeaturesQuerySchema = z
  .object({
    ticker: TickerSchema,
    timeframe: TimeframeSchema.default('1d'),
    from: QueryDateSchema.optional(),
    to: QueryDateSchema.optional(),
    endDate: QueryDateSchema.optional(),
    limit: LimitSchema(ROW_LIMITS.features),
    columns: FeatureColumnsSchema,
  })
  .refine((q) => !(q.to && q.endDate), { path: ['endDate'], message: 'give either to (exclusive) or endDate (inclusive), not both' })
  .refine((q) => !(q.from && q.to) || q.from < q.to, { path: ['to'], message: 'to must be after from' });
export type FeaturesQuery = z.output<typeof FeaturesQuerySchema>;

/** One stored feature row on the wire: the bar's start as ISO-8601 UTC, then the requested features. */
const FeatureRowSchema = z.object({ timestamp: z.string() }).catchall(z.number().nullable());
export type FeatureWireRow = z.infer<typeof FeatureRowSchema>;

/** The bars envelope `{ success, ticker, timeframe, count, data }`, plus the columns served. */
export const FeaturesResponseSchema = BarsResponseSchema.extend({
  columns: z.array(z.string()),
  data: z.array(FeatureRowSchema),
});

const FeatureCatalogEntrySchema = z.object({
  /** The feature's name: the plan's Feature field and column, the name in `columns` and in `data` rows. */
  name: z.string(),
  /** The same as `name` (kept for clients that read `key`). */
  key: z.string(),
  storage: z.enum(['column', 'bag']),
  formula: z.string(),
  params: z.record(z.string(), z.union([z.number(), z.string()])),
  warmup: z.number(),
  convention: z.string(),
});
export type FeatureCatalogItem = z.infer<typeof FeatureCatalogEntrySchema>;

export const FeatureCatalogResponseSchema = z.object({
  success: z.literal(true),
  count: z.number(),
  features: z.array(FeatureCatalogEntrySchema),
});

/** FEATURE_CATALOG as a list. */
export const FEATURE_CATALOG_LIST: readonly FeatureCatalogItem[] = Object.entries(FEATURE_CATALOG).map(([name, e]) => ({
  name,
  key: name,
  storage: e.storage,
  formula: e.formula,
  params: { ...e.params },
  warmup: e.warmup,
  convention: e.convention,
}));
