// `npm start`: open the database (embedded when DATABASE_URL is unset), load demo data into an
// empty database, serve the app, and shut everything down cleanly on SIGINT/SIGTERM.
import type { AddressInfo } from 'node:net';
import { loadConfig } from './config';
import { openDatabase } from './db/database';
import { startTimeSeriesMaintenance } from './db/timescale';
import { createApp } from './http/app';
import { logger } from './logger';
import { seedDemoData } from './demo/seed';
import { createServices, type Services } from './services';
import { startRefreshScheduler } from './ingestion/scheduler';
import { startPredictionResolver } from './predictions/resolver';

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config);
  const services = createServices(db, config);
  // Decided before the environment keys are stored, so a bot key in the environment does not
  // keep a fresh install from getting its admin key and sign-in link.
  const firstAdmin = (await services.auth.hasAnyKey()) ? null : await createFirstAdmin(services);
  await services.auth.syncEnvironmentKeys(config);

  if (config.SEED_DEMO === 'auto' && (await services.health.isEmpty())) {
    logger.info('empty database: loading demo data (SEED_DEMO=never to skip)');
    const summary = await seedDemoData(db);
    logger.info(summary, 'demo data loaded');
  }
  const maintenance = startTimeSeriesMaintenance(db.pool, db.timeSeries, {
    refreshSeconds: config.MATVIEW_REFRESH_SECONDS,
    retentionYears: config.RETENTION_YEARS,
  });
  const sessionSweep = setInterval(() => void services.auth.pruneExpired().catch(() => undefined), 10 * 60_000).unref();
  const resolver = startPredictionResolver(
    { predictions: services.predictions.repository, metrics: services.systemMetrics },
    { intervalSeconds: config.PREDICTION_RESOLVE_SECONDS },
  );
  const refresh = config.REFRESH_TICKERS ? startRefreshScheduler({ service: services.ingestion, log: logger }) : null;

  void services.auth.startKeyCache(); // until it is live, keys are checked against the database
  void services.readCache.start(); // likewise: until then the hot reads go to the database
  const http = createApp({ services, pool: db.pool, config });
  const server = http.app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`;
  logger.info({ url, database: db.mode, timescaledb: db.timeSeries.timescaledb }, 'Quantbase is running');
  const lines = [`  Quantbase is running at ${url}`, `  (database: ${db.mode}${db.timeSeries.timescaledb ? ', TimescaleDB' : ''})`];
  if (firstAdmin) {
    lines.push(
      `  Sign in (one-time link): ${url}/auth/one-time?token=${firstAdmin.signInToken}`,
      `  Admin API key (shown once): ${firstAdmin.key}`,
    );
  }
  // The one place a secret is printed: stdout of the first start, never the structured log.
  process.stdout.write(`\n${lines.join('\n')}\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    maintenance.stop();
    clearInterval(sessionSweep);
    refresh?.stop();
    await resolver.stop();
    await services.ingestion.stop(); // open windows of background runs are logged as aborted
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await http.close();
    await services.auth.stopKeyCache();
    await services.readCache.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** On a database without keys, an admin key and a one-time sign-in link, like Jupyter's token URL. */
async function createFirstAdmin(services: Services) {
  const { key, info } = await services.auth.createKey('admin', ['admin']);
  return { key, signInToken: await services.auth.createSignInToken(info.id) };
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'start-up failed');
  process.exit(1);
});
