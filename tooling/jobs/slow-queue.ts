import type { QueueDefinition } from '../../server/jobs/queue';

/** Expires after 2 s: a job whose worker was killed is retried within a few seconds. */
export const SLOW_QUEUE: QueueDefinition = { name: 'slow', retryLimit: 2, retryDelay: 0, expireInSeconds: 2 };
