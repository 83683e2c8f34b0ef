import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
const db = await openDatabase(loadConfig({ ...process.env, SEED_DEMO: 'never' }));
for (const q of process.argv.slice(2)) { const r = await db.pool.query(q); console.log(JSON.stringify(Array.isArray(r) ? r.map(x=>x.rows) : r.rows)); }
await db.close(); process.exit(0);
