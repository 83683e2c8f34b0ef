import { z } from 'zod';

export const HealthReportSchema = z.object({
  success: z.literal(true),
  status: z.enum(['ok', 'degraded']),
  uptimeSeconds: z.number(),
  database: z.object({
    mode: z.enum(['embedded', 'external']),
    postgresVersion: z.string(),
    timescaledb: z.boolean(),
    timescaledbVersion: z.string().nullable(),
    migrations: z.object({
      applied: z.number(),
      pending: z.array(z.string()),
      edited: z.array(z.string()),
      failed: z.array(z.string()),
    }),
    rowCounts: z.record(z.string(), z.number()),
  }),
});
