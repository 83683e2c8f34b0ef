// A real HTTP server on a free port over a fresh test database, for tests that speak HTTP.
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { loadConfig, type AppConfig } from '../config';
import { createApp } from '../http/app';
import { createServices, type Services } from '../services';
import { createTestDatabase, type TestDatabase } from './db';

export interface TestServer {
  url: string;
  db: TestDatabase;
  services: Services;
  /** A key with `scopes`, created directly through the auth service. */
  key(scopes: string[], name?: string): Promise<string>;
  close(): Promise<void>;
}

/** `shared`: a second instance on another server's database (not dropped on close), as a cluster would run. */
export async function startTestServer(env: Record<string, string> = {}, shared?: TestDatabase): Promise<TestServer> {
  const db = shared ?? (await createTestDatabase());
  const config: AppConfig = loadConfig({ RATE_LIMIT_STORE: 'postgres', ...env });
  const services = createServices({ ...db, mode: 'external', timeSeries: { timescaledb: false, extensionVersion: null } }, config);
  await services.auth.startKeyCache();
  await services.events.start();
  const app = createApp({ services, pool: db.pool, config });
  const server: http.Server = app.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    services,
    async key(scopes, name = 'test') {
      return (await services.auth.createKey(name, scopes as never)).key;
    },
    async close() {
      await services.events.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await services.auth.stopKeyCache();
      if (!shared) await db.drop();
    },
  };
}

/**
 * A response's JSON body as the tests read it: `any`, as lib.dom types `Response.json()`. The server
 * compiles without DOM, where Node's fetch types say `unknown`; the tests' expectations check the shape.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson(res: Response): Promise<any> {
  return res.json();
}
