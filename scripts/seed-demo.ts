// npm run seed:demo — load the demo data set into the configured database (refuses a non-empty one
// unless --force, because demo bars must never mix with real ones silently).
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { seedDemoData } from '../server/demo/seed';
import { HealthRepository } from '../server/health/repository';

const db = await openDatabase(loadConfig());
try {
  if (!(await new HealthRepository(db.pool).isEmpty()) && !process.argv.includes('--force')) {
    console.error('The database already holds data; run with --force to add the demo set anyway.');
    process.exitCode = 1;
  } else {
    const started = performance.now();
    const summary = await seedDemoData(db);
    console.log(`demo data loaded in ${((performance.now() - started) / 1000).toFixed(1)} s:`, summary);
  }
} finally {
  await db.close();
}
process.exit(process.exitCode ?? 0);
