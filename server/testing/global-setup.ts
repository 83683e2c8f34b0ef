// Vitest global setup: one PostgreSQL cluster for the whole run, plus a migrated template database
// that each test file clones (CREATE DATABASE ... TEMPLATE is much faster than migrating again).
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDbHandles, ensureDatabase } from '../db/client';

import { applyMigrations } from '../db/migrate';
import { setupTimeSeries } from '../db/timescale';
import { startTestCluster } from './postgres';

export const TEMPLATE_DATABASE = 'quantbase_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const cluster = await startTestCluster();
  const url = await ensureDatabase(cluster.adminUrl, TEMPLATE_DATABASE);
  const { pool, prisma } = createDbHandles(url, 2);
  await applyMigrations(pool);
  await setupTimeSeries(pool, { retentionYears: 5 });
  await prisma.$disconnect();
  await pool.end();
  // Nobody may stay connected to a template while it is being cloned.
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${TEMPLATE_DATABASE} WITH ALLOW_CONNECTIONS false`);
  await admin.end();
  project.provide('pgAdminUrl', cluster.adminUrl);
  return () => cluster.stop();
}
