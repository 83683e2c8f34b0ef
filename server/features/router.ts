// Feature procedures: served to the SPA over tRPC and to bots as REST (the `openapi` meta), under
// the plan's path /api/market-data/features.
import { z } from 'zod';
import { publicProcedure, router, scopedProcedure } from '../trpc';
import { FEATURE_CATALOG_LIST, FeatureCatalogResponseSchema, FeaturesQuerySchema, FeaturesResponseSchema } from './schema';

const tags = ['features'];

export const featuresRouter = router({
  list: scopedProcedure('market:read')
    .meta({
      openapi: {
        method: 'GET',
        path: '/market-data/features',
        tags,
        summary: 'Stored features of a series: a from/to range or the latest `limit` rows up to `endDate`, with a column selection',
      },
    })
    .input(FeaturesQuerySchema)
    .output(FeaturesResponseSchema)
    .query(async ({ ctx, input }) => {
      const data = await ctx.services.features.getFeatures(input);
      return { success: true as const, ticker: input.ticker, timeframe: input.timeframe, count: data.length, columns: input.columns, data };
    }),

  // Public: static documentation of every feature (formula, parameters, warm-up, convention).
  catalog: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/market-data/features/catalog', tags, summary: 'Every computed feature with its formula, parameters and warm-up' } })
    .input(z.void())
    .output(FeatureCatalogResponseSchema)
    .query(() => ({ success: true as const, count: FEATURE_CATALOG_LIST.length, features: [...FEATURE_CATALOG_LIST] })),
});
