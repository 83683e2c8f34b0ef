// The committed migrations must build exactly what prisma/schema.prisma describes. Runs the WASM
// schema engine against the test cluster of server/testing/global-setup.ts, where it creates and
// drops its shadow databases.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultSchemaPath, diffEmptyToSchema, diffMigrationsToSchema, isEmptyMigration } from './schema-engine';

const adminUrl = inject('pgAdminUrl');
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'quantbase-schema-engine-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('schema engine diff', () => {
  it('finds nothing to do between the committed migrations and schema.prisma', async () => {
    const sql = await diffMigrationsToSchema({ adminUrl });
    expect(isEmptyMigration(sql), sql).toBe(true);
  });

  it('reports a schema change the migrations lack', async () => {
    const schemaPath = join(workDir, 'schema.prisma');
    const probe = '\nmodel SchemaEngineProbe {\n  id Int @id\n\n  @@map("schema_engine_probe")\n}\n';
    await writeFile(schemaPath, (await readFile(defaultSchemaPath, 'utf8')) + probe);

    const sql = await diffMigrationsToSchema({ adminUrl, schemaPath });
    expect(isEmptyMigration(sql)).toBe(false);
    expect(sql).toContain('CREATE TABLE "schema_engine_probe"');
  });

  it('drops its shadow databases', async () => {
    // A migrations-to-schema diff replays the migrations into a shadow database of its own.
    await diffMigrationsToSchema({ adminUrl });
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'");
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('renders the whole schema from scratch', async () => {
    const sql = await diffEmptyToSchema({ adminUrl });
    expect(sql).toContain('CREATE TABLE "market_data"');
  });
});
