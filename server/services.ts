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
import { EventHub } from './events/hub';
import { EventRepository } from './events/repository';
import { EventFeed } from './events/service';
import { FeatureRepository } from './features/repository';
import { FeatureService } from './features/service';
import { SystemMetricsRepository } from './health/metrics-repository';
import { HealthRepository } from './health/repository';
import { HealthService } from './health/service';
import { IngestionRepository } from './ingestion/repository';
import { IngestionService, ingestionSettingsFromConfig, streamSettingsFromConfig } from './ingestion/service';
import { PolygonStream } from './ingestion/stream';
import { JOB, jobQueues } from './jobs/definitions';
import { JobQueue } from './jobs/queue';
import { JobRepository } from './jobs/repository';
import { JobService } from './jobs/service';
import { MarketDataRepository } from './market-data/repository';
import type { Timeframe } from './market-data/schema';
import { MarketDataService } from './market-data/service';
import { BacktestRepository } from './models/backtest-repository';
import { ModelRepository } from './models/repository';
import { ModelService } from './models/service';
import { PredictionRepository } from './predictions/repository';
import { PredictionService } from './predictions/service';
import { TradingRepository } from './trading/repository';
import { TradingService, brokerSettingsFromConfig } from './trading/service';
import { SecretBox } from './shared/secret-box';
import { WebhookRepository } from './webhooks/repository';
import { WebhookService, webhookSettingsFromConfig } from './webhooks/service';
import { TargetGuard } from './webhooks/target-guard';
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
    predictions: new PredictionRepository(db.pool, events, reads),
    systemMetrics: new SystemMetricsRepository(db.pool),
    trading: new TradingRepository(db.pool),
    webhooks: new WebhookRepository(db.pool),
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
  // New bars queue the feature pipeline for the changed part of each series, a resolution pass,
  // and matching of the ticker's resting paper orders.
  const onBarsWritten = async (ticker: string, timeframe: Timeframe, earliest: Date) => {
    await jobs.recomputeFeatures(ticker, timeframe, earliest);
    await queue.send(JOB.predictionsResolve, { barsChangedSince: earliest.toISOString() });
    await jobs.matchOrders(ticker);
  };
  const ingestion = new IngestionService({
    repository: repositories.ingestion,
    marketData: repositories.marketData,
    reportReads: repositories.marketDataReads,
    settings: ingestionSettingsFromConfig(config),
    onBarsWritten,
    enqueueRun: async (job) => void (await queue.send(JOB.ingestionRun, job)),
  });
  const streamSettings = streamSettingsFromConfig(config);
  // Opened on first use: the key file is only created when a webhook secret is sealed or opened.
  const secretBox = once(() => SecretBox.fromConfig(config));
  const predictions = new PredictionService(repositories.predictions, repositories.models, readCache, { graceHours: config.PREDICTION_GRACE_HOURS });
  return {
    auth: new AuthService(repositories.auth, db.pool, { sessionTtlHours: config.SESSION_TTL_HOURS, signInTokenTtlHours: config.SIGN_IN_TOKEN_TTL_HOURS }),
    /** Whether PostgreSQL answers; the HTTP layer fails fast while it does not. */
    databaseAvailability: db.availability,
    datasets: new DatasetService(repositories.datasetRows, repositories.datasets, repositories.models),
    /** The change feed: this process's hub, started and stopped with the server (server/main.ts). */
    events: new EventFeed(new EventHub(repositories.events, db.pool.options), repositories.events, { retentionHours: config.EVENTS_RETENTION_HOURS }),
    features,
    health: new HealthService(repositories.health, db.pool, db.mode, db.timeSeries, db.reads ?? primaryOnly(db.pool)),
    ingestion,
    jobs,
    marketData: new MarketDataService(repositories.marketData, readCache, repositories.marketDataReads),
    models: new ModelService(repositories.models, repositories.predictions, repositories.datasets, repositories.backtests),
    predictions,
    readCache,
    /** Polygon WebSocket ingestion when STREAM_TICKERS is set (started by server/main.ts). */
    stream:
      streamSettings &&
      new PolygonStream({
        settings: streamSettings,
        bars: repositories.marketData,
        lock: repositories.ingestion,
        repair: (hole) => ingestion.startStreamRepair(hole),
        onBarsWritten,
      }),
    systemMetrics: repositories.systemMetrics,
    trading: new TradingService(repositories.trading, repositories.predictions, repositories.events, readCache, brokerSettingsFromConfig(config)),
    webhooks: new WebhookService({
      repository: repositories.webhooks,
      secretBox,
      guard: new TargetGuard(config.WEBHOOK_ALLOWED_HOSTS),
      settings: webhookSettingsFromConfig(config),
      enqueueDelivery: async (tx, job, startAfter) => void (await queue.send(JOB.webhookDeliver, job, { tx, startAfter })),
    }),
    inboundWebhooks: new InboundWebhookService(repositories.inboundWebhooks, secretBox, predictions),
  };
}

export type Services = ReturnType<typeof createServices>;

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
