// Background-job rules beside the queue itself: what the API shows, and how a burst of bar
// writes for one series turns into one feature recomputation.
import type { Timeframe } from '../market-data/schema';
import { JOB } from './definitions';
import type { JobQueue } from './queue';
import type { JobFilter, JobRepository } from './repository';

export interface FeatureJob {
  ticker: string;
  timeframe: Timeframe;
  /** ISO instant: the earliest bar that may have changed. */
  since: string;
}

export class JobService {
  constructor(
    readonly queue: JobQueue,
    private readonly repository: JobRepository,
  ) {}

  async list(filter: JobFilter) {
    const [counts, jobs] = await Promise.all([this.repository.counts(), this.repository.list(filter)]);
    return { counts, jobs };
  }

  /**
   * Queues a feature recomputation of the series from `since` on. The queue is stately (one queued
   * job per series), so a burst coalesces: when a job is already queued, it is moved back to the
   * earliest `since` instead. A few tries cover the job starting between our two statements.
   */
  async recomputeFeatures(ticker: string, timeframe: Timeframe, since: Date): Promise<void> {
    const key = `${ticker}:${timeframe}`;
    const job: FeatureJob = { ticker, timeframe, since: since.toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      if ((await this.queue.send(JOB.featuresRecompute, job, { singletonKey: key })) !== null) return;
      if (await this.repository.lowerQueuedSince(JOB.featuresRecompute, key, since)) return;
    }
    throw new Error(`could not queue the feature recomputation of ${key}`);
  }

  /** Queues matching of the ticker's open paper orders; one already queued covers the new bars too. */
  async matchOrders(ticker: string): Promise<void> {
    await this.queue.send(JOB.ordersMatch, { ticker }, { singletonKey: ticker });
  }

  /**
   * matchOrders for each ticker of a bar write that comes from a request (bulk POST). Where this
   * process runs no queue (a bare API in tests), the every-minute orders sweep matches them instead.
   */
  async matchOrdersOf(tickers: Iterable<string>): Promise<void> {
    if (!this.queue.running) return;
    for (const ticker of new Set(tickers)) await this.matchOrders(ticker);
  }
}
