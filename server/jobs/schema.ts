// Background jobs on the wire: the job list with its state counts.
import { z } from 'zod';
import { LimitSchema } from '../shared/pagination';
import { ROW_LIMITS } from '../shared/limits';
import { JOB_STATES } from './repository';

const JobStateSchema = z.enum(JOB_STATES);

export const JobListInputSchema = z.object({
  /** A pg-boss state, or `dead`: failed with no retry left, or moved to a dead-letter queue. */
  state: z.enum([...JOB_STATES, 'dead']).optional(),
  queue: z
    .string()
    .regex(/^[\w-]{1,100}$/, 'a queue name')
    .optional(),
  limit: LimitSchema(ROW_LIMITS.jobs),
});

const JobSchema = z.object({
  id: z.string(),
  queue: z.string(),
  state: JobStateSchema,
  dead: z.boolean(),
  attempts: z.number().int(),
  retryLimit: z.number().int(),
  singletonKey: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
});

const countsShape = Object.fromEntries([...JOB_STATES, 'dead'].map((s) => [s, z.number().int()])) as Record<(typeof JOB_STATES)[number] | 'dead', z.ZodNumber>;

export const JobListSchema = z.object({ success: z.literal(true), counts: z.object(countsShape), jobs: z.array(JobSchema) });
