import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
const db = await openDatabase(loadConfig({ ...process.env, SEED_DEMO: 'never' }));
for (let r = 0; r < 2; r++) for (const q of process.argv.slice(2)) { const t = performance.now(); await db.pool.query(q); console.log((performance.now() - t).toFixed(0), q.slice(0, 120)); }
await db.close(); process.exit(0);
