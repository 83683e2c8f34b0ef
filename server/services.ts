// The service container: one instance of each domain service per process, built on the database
// handles. Routers reach services only through the tRPC context.
import { AuthService } from './auth/service';
import { loadConfig, type AppConfig } from './config';
import type { Database } from './db/database';
import { FeatureService } from './features/service';
import { SystemMetricsRepository } from './health/metrics-repository';
import { HealthService } from './health/service';
import { IngestionService, ingestionSettingsFromConfig } from './ingestion/service';
import { MarketDataService } from './market-data/service';
import { ModelService } from './models/service';
import { PredictionService } from './predictions/service';
import { TradingService } from './trading/service';

/** `config` defaults to the built-in defaults (tests); the server passes its loaded config. */
export function createServices(db: Pick<Database, 'pool' | 'prisma' | 'mode' | 'timeSeries'>, config: AppConfig = loadConfig({})) {
  const features = new FeatureService(db.pool);
  return {
    auth: new AuthService(db.prisma, db.pool, { sessionTtlHours: config.SESSION_TTL_HOURS, signInTokenTtlHours: config.SIGN_IN_TOKEN_TTL_HOURS }),
    features,
    health: new HealthService(db.pool, db.mode, db.timeSeries),
    // New bars trigger the feature pipeline for the changed part of each series.
    ingestion: new IngestionService({ pool: db.pool, prisma: db.prisma, settings: ingestionSettingsFromConfig(config), onBarsWritten: features.onBarsWritten }),
    marketData: new MarketDataService(db.pool),
    models: new ModelService(db.prisma, db.pool),
    predictions: new PredictionService(db.prisma, db.pool),
    systemMetrics: new SystemMetricsRepository(db.pool),
    trading: new TradingService(db.pool),
  };
}

export type Services = ReturnType<typeof createServices>;
