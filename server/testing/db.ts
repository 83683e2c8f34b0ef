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

/** Runs one statement behind every cache's back: triggers (and so their notifications) off for it. */
export async function silently(pool: pg.Pool, sql: string, values: unknown[] = []): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(sql, values);
  } finally {
    await client.query(`RESET session_replication_role`);
    client.release();
  }
}
