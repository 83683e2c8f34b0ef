// The composition root: every repository built once per process on the database handles, and one
// service of each domain, each handed the repositories it uses (its own and, read-only, other
// domains'). Routers reach services only through the tRPC context.
import { AuthRepository } from './auth/repository';
import { AuthService } from './auth/service';
import { DatasetRepository, DatasetRowRepository } from './datasets/repository';
import { DatasetService } from './datasets/service';
import { loadConfig, type AppConfig } from './config';
import type { Database } from './db/database';
import { ReadCache } from './db/read-cache';
import { EventRepository } from './events/repository';
import { FeatureRepository } from './features/repository';
import { FeatureService } from './features/service';
import { SystemMetricsRepository } from './health/metrics-repository';
import { HealthRepository } from './health/repository';
import { HealthService } from './health/service';
import { IngestionRepository } from './ingestion/repository';
import { IngestionService, ingestionSettingsFromConfig } from './ingestion/service';
import { MarketDataRepository } from './market-data/repository';
import { MarketDataService } from './market-data/service';
import { ModelRepository } from './models/repository';
import { ModelService } from './models/service';
import { PredictionRepository } from './predictions/repository';
import { PredictionService } from './predictions/service';
import { TradingRepository } from './trading/repository';
import { TradingService } from './trading/service';

export function createRepositories(db: Pick<Database, 'pool' | 'prisma'>) {
  return {
    auth: new AuthRepository(db.prisma, db.pool),
    datasets: new DatasetRepository(db.prisma),
    // Heavy reads (binary COPY of bars and features): the pool to point at a read replica.
    datasetRows: new DatasetRowRepository(db.pool),
    events: new EventRepository(db.pool),
    features: new FeatureRepository(db.pool),
    health: new HealthRepository(db.pool),
    ingestion: new IngestionRepository(db.prisma, db.pool),
    marketData: new MarketDataRepository(db.pool),
    models: new ModelRepository(db.prisma),
    predictions: new PredictionRepository(db.pool),
    systemMetrics: new SystemMetricsRepository(db.pool),
    trading: new TradingRepository(db.pool),
  };
}

/** `config` defaults to the built-in defaults (tests); the server passes its loaded config. */
export function createServices(db: Pick<Database, 'pool' | 'prisma' | 'mode' | 'timeSeries'>, config: AppConfig = loadConfig({})) {
  const repositories = createRepositories(db);
  // Hot reads served from memory once the HTTP server starts it (server/db/read-cache.ts).
  const readCache = new ReadCache(db.pool);
  const features = new FeatureService(repositories.features, repositories.marketData);
  return {
    auth: new AuthService(repositories.auth, db.pool, { sessionTtlHours: config.SESSION_TTL_HOURS, signInTokenTtlHours: config.SIGN_IN_TOKEN_TTL_HOURS }),
    datasets: new DatasetService(repositories.datasetRows, repositories.datasets, repositories.models),
    features,
    health: new HealthService(repositories.health, db.pool, db.mode, db.timeSeries),
    ingestion: new IngestionService({
      repository: repositories.ingestion,
      marketData: repositories.marketData,
      settings: ingestionSettingsFromConfig(config),
      // New bars trigger the feature pipeline for the changed part of each series.
      onBarsWritten: features.onBarsWritten,
    }),
    marketData: new MarketDataService(repositories.marketData, readCache),
    models: new ModelService(repositories.models, repositories.predictions, repositories.datasets),
    predictions: new PredictionService(repositories.predictions, repositories.models, readCache),
    readCache,
    systemMetrics: repositories.systemMetrics,
    trading: new TradingService(repositories.trading, repositories.predictions, readCache),
  };
}

export type Services = ReturnType<typeof createServices>;
