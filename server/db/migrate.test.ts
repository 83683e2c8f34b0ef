import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { makeTempDir } from '../testing/postgres';
import { applyMigrations, migrationStatus, readMigrations } from './migrate';

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await makeTempDir('quantbase-migrations-');
});
afterAll(async () => {
  await db.drop();
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeMigration(name: string, sql: string) {
  await fs.mkdir(path.join(dir, name), { recursive: true });
  await fs.writeFile(path.join(dir, name, 'migration.sql'), sql);
}

describe('offline migration runner', () => {
  it('has applied the real migrations to the template and records them as Prisma does', async () => {
    const files = await readMigrations();
    const { rows } = await db.pool.query(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count FROM "_prisma_migrations" ORDER BY started_at`,
    );
    expect(rows).toEqual(
      files.map((f) => ({ migration_name: f.name, checksum: f.checksum, finished: true, applied_steps_count: 1 })),
    );
    const raw = await fs.readFile(path.resolve(import.meta.dirname, '../../prisma/migrations', files[0]!.name, 'migration.sql'));
    expect(files[0]!.checksum).toBe(crypto.createHash('sha256').update(raw).digest('hex'));
    expect(await migrationStatus(db.pool)).toMatchObject({ pending: [], edited: [], failed: [], unknown: [] });
  });

  it('applies pending migrations in order, once, and reports pending / edited / failed', async () => {
    await db.pool.query('DELETE FROM "_prisma_migrations"'); // a fresh history for the scratch folder
    await writeMigration('20990101000000_a', 'CREATE TABLE scratch_a (id int);');
    await writeMigration('20990101000001_b', `CREATE FUNCTION scratch_f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\nCREATE TABLE scratch_b (id int);`);
    expect((await migrationStatus(db.pool, dir)).pending).toEqual(['20990101000000_a', '20990101000001_b']);
    expect(await applyMigrations(db.pool, dir)).toEqual(['20990101000000_a', '20990101000001_b']);
    expect(await applyMigrations(db.pool, dir)).toEqual([]);
    expect((await db.pool.query('SELECT scratch_f() AS v')).rows[0].v).toBe(1);

    await fs.appendFile(path.join(dir, '20990101000000_a', 'migration.sql'), '\n-- edited');
    expect((await migrationStatus(db.pool, dir)).edited).toEqual(['20990101000000_a']);
    await expect(applyMigrations(db.pool, dir)).rejects.toThrow(/edited after it was applied/);
  });

  it('leaves nothing half-applied when a migration fails, and records the failure', async () => {
    await db.pool.query('DELETE FROM "_prisma_migrations"');
    await fs.rm(dir, { recursive: true, force: true });
    await writeMigration('20990102000000_bad', 'CREATE TABLE scratch_half (id int);\nSELECT 1/0;');
    await expect(applyMigrations(db.pool, dir)).rejects.toThrow(/division by zero/);
    expect((await db.pool.query(`SELECT to_regclass('scratch_half') AS t`)).rows[0].t).toBeNull();
    const { rows } = await db.pool.query(`SELECT finished_at, logs FROM "_prisma_migrations" WHERE migration_name = '20990102000000_bad'`);
    expect(rows[0].finished_at).toBeNull();
    expect(rows[0].logs).toMatch(/division by zero/);
    expect((await migrationStatus(db.pool, dir)).failed).toEqual(['20990102000000_bad']);
    await expect(applyMigrations(db.pool, dir)).rejects.toThrow(/failed earlier/);
  });
});
