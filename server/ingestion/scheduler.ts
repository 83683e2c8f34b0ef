// The plan's automated refresh: croner ticks (America/New_York) fetch the newest bars of the
// configured series. With several app instances each tick runs once: the instance that takes the
// PostgreSQL advisory lock first does the work, and a late instance sees the run just recorded.
import { Cron } from 'croner';
import type { Logger } from '../logger';
import { isTradingDay, NY_TIME_ZONE } from './calendar';
import type { RunSummary } from './runner';
import type { IngestionService } from './service';
import { todayNy } from './windows';

export type TickOutcome = { ran: true; summary: RunSummary } | { ran: false; reason: 'closed' | 'busy' | 'done-elsewhere' };

export interface TickOptions {
  /**
   * A refresh started this recently counts as this tick's (default 30 s): instances' timers fire
   * within a second of each other, and ticks are minutes apart.
   */
  sameTickMs?: number;
}

/** One scheduled refresh, run at most once across instances; `scheduledAt` picks the session day. */
export async function refreshTick(service: IngestionService, scheduledAt: Date, options: TickOptions = {}): Promise<TickOutcome> {
  if (!isTradingDay(todayNy(scheduledAt))) return { ran: false, reason: 'closed' };
  const result = await service.repository.withAdvisoryLock('refresh-tick', 'skip', async (): Promise<TickOutcome> => {
    const latest = await service.repository.latestRunStart('refresh');
    if (latest && latest.getTime() >= Date.now() - (options.sameTickMs ?? 30_000)) return { ran: false, reason: 'done-elsewhere' };
    return { ran: true, summary: await service.refresh() };
  });
  return result.acquired ? result.value : { ran: false, reason: 'busy' };
}

export interface RefreshSchedulerOptions {
  service: IngestionService;
  log: Logger;
  /** Cron patterns (America/New_York). Default: the service's REFRESH_CRON. */
  patterns?: string[];
}

/** Starts the refresh ticks; `stop()` ends them (IngestionService.stop() interrupts a running refresh). */
export function startRefreshScheduler(options: RefreshSchedulerOptions): { stop(): void } {
  const { service, log } = options;
  const { tickers, timeframes, cron } = service.settings.refresh;
  const patterns = options.patterns ?? cron;
  const jobs = patterns.map(
    (pattern) =>
      new Cron(pattern, { timezone: NY_TIME_ZONE, protect: true, unref: true }, async (job) => {
        try {
          const outcome = await refreshTick(service, job.currentRun() ?? new Date());
          if (outcome.ran) {
            const s = outcome.summary;
            log[s.status === 'SUCCESS' ? 'info' : 'warn']({ runId: s.runId, status: s.status, bars: s.bars, failures: s.failures.length }, 'refresh finished');
          } else log.debug({ reason: outcome.reason }, 'refresh tick skipped');
        } catch (error) {
          log.error({ err: error }, 'refresh tick failed');
        }
      }),
  );
  log.info({ tickers, timeframes, patterns, next: jobs.map((j) => j.nextRun()?.toISOString()) }, 'refresh scheduler started');
  return {
    stop() {
      for (const job of jobs) job.stop();
    },
  };
}
