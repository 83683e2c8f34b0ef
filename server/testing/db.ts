// Per-test-file database: a fresh clone of the migrated template, dropped afterwards.
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDbHandles, type DbHandles } from '../db/client';

export interface TestDatabase extends DbHandles {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE quantbase_template`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handles = createDbHandles(url.toString(), 5);
  return {
    ...handles,
    url: url.toString(),
    name,
    async drop() {
      await handles.prisma.$disconnect();
      await handles.pool.end();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
