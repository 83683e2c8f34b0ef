import { z } from 'zod';
import { publicProcedure, router } from '../trpc';
import { HealthReportSchema } from './schema';

export const healthRouter = router({
  report: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/health', tags: ['health'], summary: 'Service and database health' } })
    .input(z.void())
    .output(HealthReportSchema)
    .query(async ({ ctx }) => ({ success: true as const, ...(await ctx.services.health.report()), stream: ctx.services.stream?.health() ?? null })),
});
