// The health report: which database, which mode, whether the schema is current, how much data.
import type pg from 'pg';
import type { DatabaseMode } from '../db/database';
import { migrationStatus } from '../db/migrate';
import type { ReadRouter, ReplicaState } from '../db/read-router';
import type { TimeSeriesMode } from '../db/timescale';
import type { HealthRepository } from './repository';

export interface HealthReport {
  status: 'ok' | 'degraded';
  uptimeSeconds: number;
  database: {
    mode: DatabaseMode;
    postgresVersion: string;
    timescaledb: boolean;
    timescaledbVersion: string | null;
    migrations: { applied: number; pending: string[]; edited: string[]; failed: string[] };
    rowCounts: Record<string, number>;
    replica: ReplicaState;
  };
}

/** How long a readiness check waits for the database before answering "not ready". */
const READY_TIMEOUT_MS = 2000;

export type Readiness = { ready: true } | { ready: false; reason: string };

export class HealthService {
  private readonly startedAt = Date.now();
  private draining = false;

  constructor(
    private readonly repository: HealthRepository,
    private readonly pool: pg.Pool,
    private readonly mode: DatabaseMode,
    private readonly timeSeries: TimeSeriesMode,
    private readonly reads: ReadRouter,
  ) {}

  async report(): Promise<HealthReport> {
    const [postgresVersion, rowCounts, migrations, replica] = await Promise.all([
      this.repository.serverVersion(),
      this.repository.rowCounts(),
      migrationStatus(this.pool),
      this.reads.state(),
    ]);
    const schemaCurrent = migrations.pending.length + migrations.edited.length + migrations.failed.length === 0;
    return {
      status: schemaCurrent ? 'ok' : 'degraded',
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      database: {
        mode: this.mode,
        postgresVersion,
        timescaledb: this.timeSeries.timescaledb,
        timescaledbVersion: this.timeSeries.extensionVersion,
        migrations: {
          applied: migrations.applied.length,
          pending: migrations.pending,
          edited: migrations.edited,
          failed: migrations.failed,
        },
        rowCounts,
        replica,
      },
    };
  }

  /** From now on readiness fails (SIGTERM): the load balancer stops sending new requests. */
  startDraining(): void {
    this.draining = true;
  }

  /** Ready = not draining, the database answers, and every migration is applied. */
  async readiness(): Promise<Readiness> {
    if (this.draining) return { ready: false, reason: 'draining' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    try {
      const migrations = await Promise.race([migrationStatus(this.pool), timeout]);
      const behind = [...migrations.pending, ...migrations.edited, ...migrations.failed];
      return behind.length === 0 ? { ready: true } : { ready: false, reason: `migrations not applied: ${behind.join(', ')}` };
    } catch (error) {
      return { ready: false, reason: `database: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  isEmpty(): Promise<boolean> {
    return this.repository.isEmpty();
  }
}
