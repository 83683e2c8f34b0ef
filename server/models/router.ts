// Model-registry procedures: served to the SPA over tRPC and to ML services as REST.
import { router, scopedProcedure } from '../trpc';
import {
  DeployInputSchema,
  DeployResponseSchema,
  ModelDetailResponseSchema,
  ModelIdSchema,
  ModelListQuerySchema,
  ModelListResponseSchema,
  ModelResponseSchema,
  RegisterModelSchema,
} from './schema';

// Reading the registry is part of reading predictions (a bot checks which model made a call).
const read = scopedProcedure('predictions:read');
const write = scopedProcedure('models:write');
const tags = ['models'];

export const modelsRouter = router({
  list: read
    .meta({ openapi: { method: 'GET', path: '/models', tags, summary: 'Registered models' } })
    .input(ModelListQuerySchema)
    .output(ModelListResponseSchema)
    .query(async ({ ctx, input }) => {
      const models = await ctx.services.models.list(input);
      return { success: true as const, count: models.length, models };
    }),

  get: read
    .meta({ openapi: { method: 'GET', path: '/models/{id}', tags, summary: 'One model with its live accuracy' } })
    .input(ModelIdSchema)
    .output(ModelDetailResponseSchema)
    .query(async ({ ctx, input }) => ({ success: true as const, model: await ctx.services.models.get(input.id) })),

  register: write
    .meta({ openapi: { method: 'POST', path: '/models', tags, summary: 'Register a model version (name + version unique; a retry with the same body returns the stored model)' } })
    .input(RegisterModelSchema)
    .output(ModelResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, model: await ctx.services.models.register(input) })),

  deploy: write
    .meta({ openapi: { method: 'POST', path: '/models/deploy', tags, summary: 'Make a model the only active one for its series' } })
    .input(DeployInputSchema)
    .output(DeployResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.models.deploy(input.modelId)) })),
});
