// Training-dataset procedures: served to the SPA over tRPC and to ML services as REST. The export
// itself streams a file, which the REST adapter cannot: server/http/dataset-export.ts serves it.
import { router, scopedProcedure } from '../trpc';
import {
  CreateDatasetResponseSchema,
  CreateDatasetSchema,
  DatasetDetailResponseSchema,
  DatasetIdSchema,
  DatasetListQuerySchema,
  DatasetListResponseSchema,
  DatasetPreviewQuerySchema,
  DatasetPreviewResponseSchema,
} from './schema';

// A dataset is bars and features: reading one is reading market data. Saving a version is part of
// registering models (the ML service's key has models:write).
const read = scopedProcedure('market:read');
const write = scopedProcedure('models:write');
const tags = ['datasets'];

export const datasetsRouter = router({
  preview: read
    .meta({ openapi: { method: 'GET', path: '/datasets/preview', tags, summary: 'The first rows of a dataset definition, with rows per split and rows left out counted' } })
    .input(DatasetPreviewQuerySchema)
    .output(DatasetPreviewResponseSchema)
    .query(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.datasets.preview(input.definition, input.limit)) })),

  create: write
    .meta({ openapi: { method: 'POST', path: '/datasets', tags, summary: 'Save a dataset definition as the next version of its name, with counts and a content hash' } })
    .input(CreateDatasetSchema)
    .output(CreateDatasetResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.datasets.save(input.name, input.definition)) })),

  list: read
    .meta({ openapi: { method: 'GET', path: '/datasets', tags, summary: 'Saved dataset versions, newest first' } })
    .input(DatasetListQuerySchema)
    .output(DatasetListResponseSchema)
    .query(async ({ ctx, input }) => {
      const datasets = await ctx.services.datasets.list(input);
      return { success: true as const, count: datasets.length, datasets };
    }),

  get: read
    .meta({ openapi: { method: 'GET', path: '/datasets/{id}', tags, summary: 'One dataset version with the models trained on it' } })
    .input(DatasetIdSchema)
    .output(DatasetDetailResponseSchema)
    .query(async ({ ctx, input }) => ({ success: true as const, dataset: await ctx.services.datasets.get(input.id) })),
});
