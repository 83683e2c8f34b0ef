// The training-dataset concepts, one zod schema each, shared by tRPC, REST, the streamed export,
// the CLI and the SPA. A definition reads the same as a query string (`ticker=SPY,QQQ&features=
// rsi_14,sma_20&split=0.7,0.85`) and as JSON (lists may also be arrays), and comes out normalised:
// lists as arrays, the split as two instants. A stored definition is that normalised form, which
// the input schema accepts again unchanged.
import { z } from 'zod';
import { unknownFeaturesIssue, type FeatureKey } from '../features/schema';
import { TickerSchema, TimeframeSchema, type Timeframe } from '../market-data/schema';
import { DATASET_LIMITS } from '../shared/limits';
import { LimitSchema } from '../shared/pagination';
import { IsoDateTimeSchema, QueryDateSchema } from '../shared/time';

export const SPLITS = ['train', 'validation', 'test'] as const;
export const LABEL_KINDS = ['return', 'direction'] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];
export const DIRECTIONS = ['DOWN', 'NEUTRAL', 'UP'] as const;
export const EXPORT_FORMATS = ['arrow', 'parquet', 'csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** |forward return| at most this is NEUTRAL unless `neutralBand` says otherwise: 0.1 %. */
const DEFAULT_NEUTRAL_BAND = 0.001;
/** Validation starts at 70 % of the date range and test at 85 %, unless `split` says otherwise. */
const DEFAULT_SPLIT = '0.7,0.85';

/** `a,b` or `["a", "b"]` (repeated query keys arrive as an array): the trimmed, non-empty items. */
const ListSchema = z.union([z.string(), z.array(z.string())]).transform((raw) =>
  (Array.isArray(raw) ? raw : [raw])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter(Boolean),
);

const TickerListSchema = ListSchema.describe('Tickers, comma-separated (SPY,QQQ) or an array').pipe(
  z.array(TickerSchema).min(1, 'give at least one ticker').max(DATASET_LIMITS.tickers),
);

const FeatureListSchema = ListSchema.describe("Feature names, comma-separated or an array: the catalog's `name` (sma_20, rsi_14, wma_20, ...)").transform(
  (names, ctx): FeatureKey[] => {
    const unique = [...new Set(names)];
    const issue = unique.length === 0 ? 'give at least one feature' : unknownFeaturesIssue(unique);
    if (issue) {
      ctx.addIssue({ code: 'custom', message: issue });
      return z.NEVER;
    }
    return unique as FeatureKey[];
  },
);

/** One split boundary as given: a fraction of the date range in (0, 1), or an instant. */
type Boundary = { fraction: number } | { at: Date };

const SplitSchema = ListSchema.describe(
  'Where validation and test start: two boundaries, each a fraction of the date range in (0, 1) (`0.7,0.85`, the default) or a date/instant (`2025-01-01,2025-07-01`)',
).transform((items, ctx): [Boundary, Boundary] => {
  const boundaries = items.map((item): Boundary | null => {
    if (/^0?\.\d+$/.test(item)) return { fraction: Number(item) };
    const at = QueryDateSchema.safeParse(item);
    return at.success && !/^\d+(\.\d*)?$/.test(item) ? { at: at.data } : null;
  });
  if (boundaries.length !== 2 || boundaries.some((b) => b === null)) {
    ctx.addIssue({ code: 'custom', message: 'split must be two boundaries (validation start, test start), each a fraction in (0, 1) or a date' });
    return z.NEVER;
  }
  return boundaries as [Boundary, Boundary];
});

/** The fields of a definition, as a query string or JSON body gives them. */
const definitionFields = {
  ticker: TickerListSchema,
  timeframe: TimeframeSchema,
  from: QueryDateSchema.describe('First bar time, inclusive'),
  to: QueryDateSchema.describe('End of the range, exclusive: no row and no label uses a bar from here on'),
  features: FeatureListSchema,
  label: z.enum(LABEL_KINDS).default('return').describe('`return`: close[t+horizon] / close[t] - 1; `direction`: UP / DOWN / NEUTRAL by that return and `neutralBand`'),
  horizon: z.coerce.number<number>().int().min(1).max(DATASET_LIMITS.horizon).default(1).describe('Label horizon in bars of the series'),
  neutralBand: z.coerce
    .number<number>()
    .min(0)
    .max(1)
    .default(DEFAULT_NEUTRAL_BAND)
    .describe(`direction: |return| <= neutralBand is NEUTRAL (default ${DEFAULT_NEUTRAL_BAND} = 0.1 %)`),
  split: SplitSchema.prefault(DEFAULT_SPLIT),
};

type DefinitionFields = z.output<z.ZodObject<typeof definitionFields>>;

/** A definition after validation: what the pipeline runs and what a saved version stores. */
export interface DatasetDefinition {
  ticker: string[];
  timeframe: Timeframe;
  from: Date;
  to: Date;
  features: FeatureKey[];
  label: LabelKind;
  horizon: number;
  neutralBand: number;
  /** Where validation and test start: from <= split[0] <= split[1] <= to. */
  split: [Date, Date];
}

/** Checks the fields against each other and resolves fractions of the range to instants. */
function normalise({ split, ...fields }: DefinitionFields, ctx: z.RefinementCtx): DatasetDefinition {
  const { from, to } = fields;
  if (!(from < to)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
    return z.NEVER;
  }
  const resolved = split.map((b) => ('at' in b ? b.at : new Date(from.getTime() + Math.floor(b.fraction * (to.getTime() - from.getTime()))))) as [Date, Date];
  if (!(from <= resolved[0] && resolved[0] <= resolved[1] && resolved[1] <= to)) {
    ctx.addIssue({ code: 'custom', path: ['split'], message: 'split boundaries must satisfy from <= validation start <= test start <= to' });
    return z.NEVER;
  }
  // Tickers sorted: the row order, and so the content hash, does not depend on how they were listed.
  return { ...fields, ticker: [...new Set(fields.ticker)].sort(), split: resolved };
}

/** GET /api/datasets/export: a definition and the file format. */
export const DatasetExportQuerySchema = z
  .object({ ...definitionFields, format: z.enum(EXPORT_FORMATS).default('csv').describe('arrow (IPC stream), parquet, csv or jsonl') })
  .transform(({ format, ...fields }, ctx) => ({ definition: normalise(fields, ctx), format }));

export const DatasetPreviewQuerySchema = z
  .object({ ...definitionFields, limit: LimitSchema(DATASET_LIMITS.previewRows).describe('Rows shown (the first ones); every row is counted') })
  .transform(({ limit, ...fields }, ctx) => ({ definition: normalise(fields, ctx), limit }));

export const CreateDatasetSchema = z
  .object({ name: z.string().trim().min(1).max(200).regex(/^[\w.-]+$/, 'name may hold letters, digits, "_", "-" and "."'), ...definitionFields })
  .transform(({ name, ...fields }, ctx) => ({ name, definition: normalise(fields, ctx) }));

export const DatasetIdSchema = z.object({ id: z.uuid() });
export const DatasetListQuerySchema = z.object({ name: z.string().trim().min(1).optional() });

// ---- outputs ----------------------------------------------------------------------------------

/** The normalised definition on the wire; the input schemas accept it back as it is. */
const DefinitionRowSchema = z.object({
  ticker: z.array(z.string()),
  timeframe: TimeframeSchema,
  from: IsoDateTimeSchema,
  to: IsoDateTimeSchema,
  features: z.array(z.string()),
  label: z.enum(LABEL_KINDS),
  horizon: z.number(),
  neutralBand: z.number(),
  split: z.tuple([IsoDateTimeSchema, IsoDateTimeSchema]).describe('Where validation and test start'),
});
export type DefinitionRow = z.infer<typeof DefinitionRowSchema>;

const SplitCountsSchema = z.object({ train: z.number(), validation: z.number(), test: z.number() });
const RangeSchema = z.object({ first: IsoDateTimeSchema, last: IsoDateTimeSchema }).nullable();

/** What a run of the pipeline counted: rows kept per split, their time ranges, rows left out and why. */
const DatasetCountsSchema = z.object({
  bars: z.number().describe('Bars read in [from, to)'),
  rows: SplitCountsSchema.describe('Rows kept, per split'),
  ranges: z.object({ train: RangeSchema, validation: RangeSchema, test: RangeSchema }).describe('First and last row time per split (null when empty)'),
  dropped: z
    .object({
      noHorizon: z.number().describe('The last `horizon` bars of each series before `to`: no full label window'),
      gap: z.number().describe('Label window crosses a data gap (a missing session, or more than 15 missing minutes of a regular session)'),
      purged: z.number().describe('Label window crosses a split boundary'),
      embargoed: z.number().describe('Among the first `horizon` bars after a split boundary'),
    })
    .describe('Rows left out, each counted once under the first reason that applies (in this order)'),
});
export type DatasetCounts = z.infer<typeof DatasetCountsSchema>;

const CellSchema = z.union([z.string(), z.number(), z.null()]);

export const DatasetPreviewResponseSchema = z.object({
  success: z.literal(true),
  definition: DefinitionRowSchema,
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), CellSchema)).describe('The first `limit` rows, in export order'),
  counts: DatasetCountsSchema,
  exportQuery: z.string().describe('The query string of GET /api/datasets/export for this definition (add &format=)'),
});

/** A model trained on a dataset version, as the version lists it. */
const TrainedModelSchema = z.object({ id: z.uuid(), name: z.string(), version: z.string(), algorithm: z.string(), createdAt: IsoDateTimeSchema });

const DatasetRowSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  version: z.number().describe('1, 2, ... per name'),
  definition: DefinitionRowSchema,
  counts: DatasetCountsSchema,
  contentHash: z.string().describe('sha256 (hex) of the CSV export of this version: identical data gives the same hash in every format'),
  exportQuery: z.string(),
  createdAt: IsoDateTimeSchema,
});
export type DatasetRow = z.infer<typeof DatasetRowSchema>;

export const DatasetListResponseSchema = z.object({ success: z.literal(true), count: z.number(), datasets: z.array(DatasetRowSchema) });
export const DatasetDetailResponseSchema = z.object({
  success: z.literal(true),
  dataset: DatasetRowSchema.extend({ models: z.array(TrainedModelSchema).describe('Model versions registered as trained on this dataset') }),
});
export type DatasetDetail = z.infer<typeof DatasetDetailResponseSchema>['dataset'];
export const CreateDatasetResponseSchema = z.object({
  success: z.literal(true),
  created: z.boolean().describe('false when this name already had a version with the same content hash (a retry): that version is returned'),
  dataset: DatasetRowSchema,
});
