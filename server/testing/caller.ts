// Router tests without HTTP: the app router called directly, with a context like the HTTP layer
// builds, over a fresh test database. `as(scopes)` acts as a key with those scopes, `as(null)`
// as an anonymous caller.
import { logger } from '../logger';
import { appRouter } from '../router';
import { createServices, type Services } from '../services';
import { createCallerFactory } from '../trpc';
import { createTestDatabase, type TestDatabase } from './db';

const createCaller = createCallerFactory(appRouter);

export interface TestCallers {
  db: TestDatabase;
  services: Services;
  as(scopes: string[] | null): ReturnType<typeof createCaller>;
}

/** A caller acting as a key with `scopes` (null: anonymous), as the HTTP layer would build it. */
export function callerAs(services: Services, scopes: string[] | null) {
  return createCaller({
    services,
    principal: scopes && { keyId: 'test-key', name: 'test', prefix: 'qb_test', scopes: new Set(scopes) },
    authError: null,
    requestId: 'test',
    log: logger,
  });
}

export async function createTestCallers(): Promise<TestCallers> {
  const db = await createTestDatabase();
  const services = createServices({ ...db, mode: 'external', timeSeries: { timescaledb: false, extensionVersion: null } });
  return {
    db,
    services,
    as: (scopes) => callerAs(services, scopes),
  };
}
