// Background jobs (pg-boss): newest first, with their state, attempts and error, and counts per state.
import { scopedProcedure, router } from '../trpc';
import { JobListInputSchema, JobListSchema } from './schema';

export const jobsRouter = router({
  list: scopedProcedure('market:read')
    .meta({ openapi: { method: 'GET', path: '/jobs', tags: ['jobs'], summary: 'Background jobs, newest first, with counts per state' } })
    .input(JobListInputSchema)
    .output(JobListSchema)
    .query(async ({ ctx, input }) => ({ success: true as const, ...(await ctx.services.jobs.list(input)) })),
});
