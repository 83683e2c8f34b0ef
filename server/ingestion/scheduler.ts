// The plan's automated refresh: one scheduled job per REFRESH_CRON pattern (America/New_York, see
// server/jobs/workers.ts), which pg-boss sends once per tick across instances. A tick queues a
// refresh run on trading days and does nothing on days without a session.
import { isTradingDay } from './calendar';
import type { IngestionService } from './service';
import { todayNy } from './windows';

/** One scheduled refresh; `scheduledAt` picks the session day. Returns the queued run's id, or null when closed. */
export async function refreshTick(service: IngestionService, scheduledAt: Date): Promise<string | null> {
  if (!isTradingDay(todayNy(scheduledAt))) return null;
  return service.triggerRefresh();
}
