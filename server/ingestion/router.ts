// Ingestion procedures: runs and their progress, window logs, gap reports (market:read), and
// starting a backfill or a refresh in the background (admin). Thin: validate, authorise, delegate.
import { z } from 'zod';
import { DomainError } from '../shared/domain-error';
import { router, scopedProcedure } from '../trpc';
import {
  BackfillInputSchema,
  GapReportResponseSchema,
  LogListInputSchema,
  LogPageSchema,
  RefreshInputSchema,
  RunListInputSchema,
  RunPageSchema,
  RunResponseSchema,
  StartedRunSchema,
  ValidateInputSchema,
} from './schema';

const read = scopedProcedure('market:read');
const admin = scopedProcedure('admin');
const tags = ['ingestion'];

export const ingestionRouter = router({
  runs: read
    .meta({ openapi: { method: 'GET', path: '/ingestion/runs', tags, summary: 'Ingestion runs, newest first, with progress' } })
    .input(RunListInputSchema)
    .output(RunPageSchema)
    .query(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.ingestion.listRuns(input)) })),

  run: read
    .meta({ openapi: { method: 'GET', path: '/ingestion/runs/{id}', tags, summary: 'One ingestion run with its progress' } })
    .input(z.object({ id: z.string().uuid() }))
    .output(RunResponseSchema)
    .query(async ({ ctx, input }) => {
      const run = await ctx.services.ingestion.getRun(input.id);
      if (!run) throw DomainError.notFound(`No ingestion run ${input.id}`);
      return { success: true as const, run };
    }),

  logs: read
    .meta({ openapi: { method: 'GET', path: '/ingestion/logs', tags, summary: 'Per-window ingestion logs, newest first' } })
    .input(LogListInputSchema)
    .output(LogPageSchema)
    .query(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.ingestion.listLogs(input)) })),

  validate: read
    .meta({ openapi: { method: 'GET', path: '/ingestion/validate', tags, summary: 'Calendar-aware gap report of stored bars' } })
    .input(ValidateInputSchema)
    .output(GapReportResponseSchema)
    .query(async ({ ctx, input }) => ({ success: true as const, report: await ctx.services.ingestion.validate(input) })),

  startBackfill: admin
    .meta({ openapi: { method: 'POST', path: '/ingestion/backfill', tags, summary: 'Start a backfill in the background' } })
    .input(BackfillInputSchema)
    .output(StartedRunSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, runId: await ctx.services.ingestion.startBackfill(input) })),

  triggerRefresh: admin
    .meta({ openapi: { method: 'POST', path: '/ingestion/refresh', tags, summary: 'Fetch the newest bars now, in the background' } })
    .input(RefreshInputSchema)
    .output(StartedRunSchema)
    .mutation(async ({ ctx, input }) => ({ success: true as const, runId: await ctx.services.ingestion.triggerRefresh(input) })),
});
