// Offline migration runner. Prisma 7's `migrate deploy` needs a native engine this machine cannot
// download, so we apply prisma/migrations ourselves and record them in `_prisma_migrations`
// exactly as Prisma Migrate does, so `prisma migrate deploy/status` elsewhere accepts the database.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/migrations');
const PRISMA_MIGRATE_LOCK = 72707369; // the advisory lock key Prisma Migrate uses

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied, but the file changed since (checksum differs). */
  edited: string[];
  /** Started and never finished, not rolled back: needs a human. */
  failed: string[];
  /** Recorded in the database but missing on disk. */
  unknown: string[];
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await fs.readFile(path.join(dir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: crypto.createHash('sha256').update(bytes).digest('hex') };
    }),
  );
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedRows(client: pg.ClientBase): Promise<AppliedRow[]> {
  const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return [];
  const { rows } = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return rows;
}

function compare(files: MigrationFile[], rows: AppliedRow[]): MigrationStatus {
  const live = rows.filter((r) => r.rolled_back_at === null);
  const byName = new Map(live.map((r) => [r.migration_name, r]));
  const onDisk = new Set(files.map((f) => f.name));
  const status: MigrationStatus = { applied: [], pending: [], edited: [], failed: [], unknown: [] };
  for (const file of files) {
    const row = byName.get(file.name);
    if (!row) status.pending.push(file.name);
    else if (row.finished_at === null) status.failed.push(file.name);
    else if (row.checksum !== file.checksum) status.edited.push(file.name);
    else status.applied.push(file.name);
  }
  status.unknown = live.map((r) => r.migration_name).filter((name) => !onDisk.has(name));
  return status;
}

export async function migrationStatus(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<MigrationStatus> {
  const client = await pool.connect();
  try {
    return compare(await readMigrations(dir), await appliedRows(client));
  } finally {
    client.release();
  }
}

/**
 * Applies pending migrations in order, each as one script in one implicit transaction, under
 * Prisma's advisory lock so two starting instances cannot race. Refuses to run past a failed or
 * edited migration, as `prisma migrate deploy` does.
 */
export async function applyMigrations(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const files = await readMigrations(dir);
    const status = compare(files, await appliedRows(client));
    if (status.failed.length > 0) {
      throw new Error(`migration ${status.failed[0]} failed earlier; fix the database and mark it rolled back first`);
    }
    if (status.edited.length > 0) {
      throw new Error(`migration ${status.edited[0]} was edited after it was applied; add a new migration instead`);
    }
    const pending = files.filter((f) => status.pending.includes(f.name));
    for (const migration of pending) await applyOne(client, migration);
    return pending.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]).catch(() => undefined);
    client.release();
  }
}

async function applyOne(client: pg.ClientBase, migration: MigrationFile): Promise<void> {
  const id = crypto.randomUUID();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), 0)`,
    [id, migration.checksum, migration.name],
  );
  try {
    // One simple-protocol query: PostgreSQL runs a multi-statement script atomically, and `$$`
    // bodies survive (a driver that splits on ';' would break them and leave a half-applied script).
    await client.query(migration.sql);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]);
    throw new Error(`migration ${migration.name} failed: ${message}`, { cause: error });
  }
  await client.query(
    `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
    [id],
  );
}
