// Database bootstrap: pick the server (DATABASE_URL or the embedded default), make sure the
// application database exists, apply migrations, then set up the time-series layer.
import type { AppConfig } from '../config';
import { logger } from '../logger';
import { createDbHandles, ensureDatabase, type DbHandles } from './client';
import { startEmbeddedPostgres } from './embedded';
import { applyMigrations } from './migrate';
import { createReadRouter, primaryOnly, type ReadRouter } from './read-router';
import { setupTimeSeries, type TimeSeriesMode } from './timescale';

export type DatabaseMode = 'embedded' | 'external';

export interface Database extends DbHandles {
  mode: DatabaseMode;
  timeSeries: TimeSeriesMode;
  /** Where heavy reads run: DATABASE_REPLICA_URL while it keeps up, the primary otherwise. */
  reads: ReadRouter;
  close(): Promise<void>;
}

const APP_DATABASE = 'quantbase';

export async function openDatabase(config: AppConfig): Promise<Database> {
  let url = config.DATABASE_URL;
  let stopServer = async () => undefined as void;
  const mode: DatabaseMode = url ? 'external' : 'embedded';
  if (!url) {
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.EMBEDDED_PG_PORT });
    stopServer = embedded.stop;
    url = await ensureDatabase(embedded.url, APP_DATABASE);
    logger.info({ port: embedded.port, dataDir: config.dataDir }, 'embedded PostgreSQL started');
  }
  try {
    const handles = createDbHandles(url, config.DB_POOL_MAX, config.DB_CONNECT_TIMEOUT_MS);
    const applied = await applyMigrations(handles.pool);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    const timeSeries = await setupTimeSeries(handles.pool, { retentionYears: config.RETENTION_YEARS });
    const reads = config.DATABASE_REPLICA_URL
      ? createReadRouter(handles.pool, config.DATABASE_REPLICA_URL, { maxLagSeconds: config.REPLICA_MAX_LAG_SECONDS })
      : primaryOnly(handles.pool);
    return {
      ...handles,
      mode,
      timeSeries,
      reads,
      async close() {
        await reads.close();
        await handles.prisma.$disconnect();
        await handles.pool.end();
        await stopServer();
      },
    };
  } catch (error) {
    await stopServer();
    throw error;
  }
}
