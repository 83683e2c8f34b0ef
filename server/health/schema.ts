import { z } from 'zod';
import { StreamHealthSchema } from '../ingestion/schema';

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
    replica: z
      .object({
        configured: z.boolean(),
        inUse: z.boolean().describe('Heavy reads (ranges, exports, accuracy, coverage, gap reports) go to the replica now'),
        status: z.enum(['none', 'ok', 'lagging', 'down']),
        lagSeconds: z.number().nullable(),
        maxLagSeconds: z.number(),
        checkedAt: z.string().nullable(),
        error: z.string().optional(),
      })
      .describe('DATABASE_REPLICA_URL: its state as last checked (at most every few seconds)'),
  }),
  /** null when STREAM_TICKERS is unset. */
  stream: StreamHealthSchema.nullable(),
});
