// Prediction procedures: served to the SPA over tRPC and to bots / ML services as REST.
import { z } from 'zod';
import { router, scopedProcedure } from '../trpc';
import {
  AccuracyQuerySchema,
  AccuracyResponseSchema,
  BatchResponseSchema,
  CreatePredictionResponseSchema,
  LatestQuerySchema,
  LatestResponseSchema,
  NewPredictionSchema,
  PredictionBatchInputSchema,
  PredictionListQuerySchema,
  PredictionListResponseSchema,
  ResolveResponseSchema,
} from './schema';

const read = scopedProcedure('predictions:read');
const write = scopedProcedure('predictions:write');
const tags = ['predictions'];

export const predictionsRouter = router({
  list: read
    .meta({ openapi: { method: 'GET', path: '/predictions', tags, summary: 'Predictions, newest first, filtered and paginated' } })
    .input(PredictionListQuerySchema)
    .output(PredictionListResponseSchema)
    .query(async ({ ctx, input }) => {
      const { items, nextCursor } = await ctx.services.predictions.list(input);
      return { success: true as const, count: items.length, predictions: items, nextCursor };
    }),

  latest: read
    .meta({ openapi: { method: 'GET', path: '/predictions/latest', tags, summary: "Each model's newest prediction for a series, active model first" } })
    .input(LatestQuerySchema)
    .output(LatestResponseSchema)
    .query(async ({ ctx, input }) => {
      const predictions = await ctx.services.predictions.latest(input.ticker, input.timeframe, input.limit);
      return { success: true as const, count: predictions.length, predictions, timestamp: new Date().toISOString() };
    }),

  accuracy: read
    .meta({ openapi: { method: 'GET', path: '/predictions/accuracy', tags, summary: 'Hit rates per model, over time, by confidence and by direction' } })
    .input(AccuracyQuerySchema)
    .output(AccuracyResponseSchema)
    .query(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.predictions.accuracy(input)) })),

  create: write
    .meta({ openapi: { method: 'POST', path: '/predictions', tags, summary: 'Store one prediction (a retry returns the stored one)' } })
    .input(NewPredictionSchema)
    .output(CreatePredictionResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.predictions.create(input)) })),

  createBatch: write
    .meta({ openapi: { method: 'POST', path: '/predictions/batch', tags, summary: 'Store up to 5000 predictions, all or nothing, idempotently' } })
    .input(PredictionBatchInputSchema)
    .output(BatchResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.predictions.createBatch(input.predictions)) })),

  resolve: scopedProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/predictions/resolve', tags, summary: 'Fill the outcome of every prediction whose target time has passed' } })
    .input(z.void())
    .output(ResolveResponseSchema)
    .mutation(async ({ ctx }) => ({ success: true as const, resolved: (await ctx.services.predictions.resolve({ wait: true })) ?? 0 })),
});
