import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { benchIngestion } from '../server/ingestion/bench';
const db = await openDatabase(loadConfig({ ...process.env, SEED_DEMO: 'never' }));
const mode = process.argv[2];
if (mode === 'noidx') await db.pool.query('DROP INDEX market_data_timestamp_idx');
try {
for (let i = 0; i < 4; i++) { const r = await benchIngestion(db); console.log(mode, r.barsPerSecond, r.seconds.toFixed(2)); }
} finally {
if (mode === 'noidx') await db.pool.query('CREATE INDEX "market_data_timestamp_idx" ON "market_data"("timestamp" DESC)');
await db.close();
}
process.exit(0);
