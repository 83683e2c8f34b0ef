// Model-registry procedures: served to the SPA over tRPC and to ML services as REST.
import { router, scopedProcedure } from '../trpc';
import {
  BacktestInputSchema,
  BacktestResponseSchema,
  BacktestRunsQuerySchema,
  BacktestRunsResponseSchema,
  DeployInputSchema,
  DeployResponseSchema,
  ModelDetailResponseSchema,
  ModelIdSchema,
  ModelListQuerySchema,
  ModelListResponseSchema,
  ModelResponseSchema,
  RegisterModelSchema,
  RollbackInputSchema,
  RollbackResponseSchema,
  SeriesQuerySchema,
  SeriesRegistryResponseSchema,
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

  // Before `get`: the REST adapter takes the first path that matches, and /models/{id} matches this one.
  series: read
    .meta({ openapi: { method: 'GET', path: '/models/deployments', tags, summary: "A series' aliases and its append-only deployment history" } })
    .input(SeriesQuerySchema)
    .output(SeriesRegistryResponseSchema)
    .query(async ({ ctx, input }) => {
      const { aliases, deployments } = await ctx.services.models.series(input);
      return { success: true as const, ticker: input.ticker, timeframe: input.timeframe, aliases, count: deployments.length, deployments };
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
    .meta({ openapi: { method: 'POST', path: '/models/deploy', tags, summary: 'Point an alias of its series at a model (champion, the default: make it the only active one)' } })
    .input(DeployInputSchema)
    .output(DeployResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.models.deploy(input, ctx.principal.name)) })),

  rollback: write
    .meta({ openapi: { method: 'POST', path: '/models/rollback', tags, summary: "Restore a series' previous champion" } })
    .input(RollbackInputSchema)
    .output(RollbackResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.models.rollback(input, ctx.principal.name)) })),

  backtest: write
    .meta({ openapi: { method: 'POST', path: '/models/{id}/backtest', tags, summary: "Replay the model's resolved predictions as trades; stores the run and fills sharpeRatio and maxDrawdown" } })
    .input(BacktestInputSchema)
    .output(BacktestResponseSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.models.backtest(input, ctx.principal.name)) })),

  backtests: read
    .meta({ openapi: { method: 'GET', path: '/models/{id}/backtests', tags, summary: "A model's stored backtests, newest first" } })
    .input(BacktestRunsQuerySchema)
    .output(BacktestRunsResponseSchema)
    .query(async ({ ctx, input }) => {
      const runs = await ctx.services.models.backtestRuns(input.id, input.limit);
      return { success: true as const, count: runs.length, runs };
    }),
});
