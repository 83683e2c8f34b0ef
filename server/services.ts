// The composition root: every repository built once per process on the database handles, and one
// service of each domain, each handed the repositories it uses (its own and, read-only, other
// domains'). Routers reach services only through the tRPC context.
import { AuthRepository } from './auth/repository';
import { AuthService } from './auth/service';
import { DatasetRepository, DatasetRowRepository } from './datasets/repository';
import { DatasetService } from './datasets/service';
import { loadConfig, type AppConfig } from './config';
import type { Database } from './db/database';
import { primaryOnly } from './db/read-router';
import { ReadCache } from './db/read-cache';
import { EventRepository } from './events/repository';
import { FeatureRepository } from './features/repository';
import { FeatureService } from './features/service';
import { SystemMetricsRepository } from './health/metrics-repository';
import { HealthRepository } from './health/repository';
import { HealthService } from './health/service';
import { IngestionRepository } from './ingestion/repository';
import { IngestionService, ingestionSettingsFromConfig } from './ingestion/service';
import { JOB, jobQueues } from './jobs/definitions';
import { JobQueue } from './jobs/queue';
import { JobRepository } from './jobs/repository';
import { JobService } from './jobs/service';
import { MarketDataRepository } from './market-data/repository';
import { MarketDataService } from './market-data/service';
import { BacktestRepository } from './models/backtest-repository';
import { ModelRepository } from './models/repository';
import { ModelService } from './models/service';
import { PredictionRepository } from './predictions/repository';
import { PredictionService } from './predictions/service';
import { TradingRepository } from './trading/repository';
import { TradingService } from './trading/service';
import { SecretBox } from './shared/secret-box';
import { InboundWebhookRepository } from './inbound-webhooks/repository';
import { InboundWebhookService } from './inbound-webhooks/service';

/** `db.reads` (default: the primary) serves the heavy reads: range reads, exports, accuracy, coverage, gap reports. */
export function createRepositories(db: Pick<Database, 'pool' | 'prisma'> & Partial<Pick<Database, 'reads'>>) {
  const reads = db.reads?.pool ?? db.pool;
  const events = new EventRepository(db.pool);
  return {
    auth: new AuthRepository(db.prisma, db.pool),
    backtests: new BacktestRepository(db.pool),
    datasets: new DatasetRepository(db.prisma),
    datasetRows: new DatasetRowRepository(reads),
    events,
    features: new FeatureRepository(db.pool),
    health: new HealthRepository(db.pool),
    ingestion: new IngestionRepository(db.prisma, db.pool),
    jobs: new JobRepository(db.pool),
    marketData: new MarketDataRepository(db.pool),
    // Only read through: never written, never read by the pipelines that must see their own writes.
    marketDataReads: new MarketDataRepository(reads),
    models: new ModelRepository(db.prisma, db.pool, events),
    predictions: new PredictionRepository(db.pool, reads),
    systemMetrics: new SystemMetricsRepository(db.pool),
    trading: new TradingRepository(db.pool),
    inboundWebhooks: new InboundWebhookRepository(db.pool),
  };
}

/**
 * `config` defaults to the built-in defaults (tests); the server passes its loaded config. The job
 * queue is created here but runs only once started (server/main.ts, server/jobs/workers.ts).
 */
export function createServices(db: Pick<Database, 'pool' | 'prisma' | 'availability' | 'mode' | 'timeSeries'> & Partial<Pick<Database, 'reads'>>, config: AppConfig = loadConfig({})) {
  const repositories = createRepositories(db);
  // Hot reads served from memory once the HTTP server starts it (server/db/read-cache.ts).
  const readCache = new ReadCache(db.pool);
  const features = new FeatureService(repositories.features, repositories.marketData);
  const queue = new JobQueue(db.pool, {
    queues: jobQueues(config),
    pollingIntervalSeconds: config.JOB_POLL_SECONDS,
    maintenanceIntervalSeconds: config.JOB_MAINTENANCE_SECONDS,
  });
  const jobs = new JobService(queue, repositories.jobs);
  const predictions = new PredictionService(repositories.predictions, repositories.models, readCache);
  return {
    auth: new AuthService(repositories.auth, db.pool, { sessionTtlHours: config.SESSION_TTL_HOURS, signInTokenTtlHours: config.SIGN_IN_TOKEN_TTL_HOURS }),
    /** Whether PostgreSQL answers; the HTTP layer fails fast while it does not. */
    databaseAvailability: db.availability,
    datasets: new DatasetService(repositories.datasetRows, repositories.datasets, repositories.models),
    features,
    health: new HealthService(repositories.health, db.pool, db.mode, db.timeSeries, db.reads ?? primaryOnly(db.pool)),
    ingestion: new IngestionService({
      repository: repositories.ingestion,
      marketData: repositories.marketData,
      reportReads: repositories.marketDataReads,
      settings: ingestionSettingsFromConfig(config),
      // New bars queue the feature pipeline for the changed part of each series.
      onBarsWritten: (ticker, timeframe, earliest) => jobs.recomputeFeatures(ticker, timeframe, earliest),
      enqueueRun: async (job) => void (await queue.send(JOB.ingestionRun, job)),
    }),
    jobs,
    marketData: new MarketDataService(repositories.marketData, readCache, repositories.marketDataReads),
    models: new ModelService(repositories.models, repositories.predictions, repositories.datasets, repositories.backtests),
    predictions,
    readCache,
    systemMetrics: repositories.systemMetrics,
    trading: new TradingService(repositories.trading, repositories.predictions, readCache),
    inboundWebhooks: new InboundWebhookService(repositories.inboundWebhooks, () => SecretBox.fromConfig(config), predictions),
  };
}

export type Services = ReturnType<typeof createServices>;
