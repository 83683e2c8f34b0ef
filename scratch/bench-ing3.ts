import { readFileSync, readdirSync } from 'node:fs';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { benchIngestion } from '../server/ingestion/bench';
function pgCpu(): number { let t = 0; for (const p of readdirSync('/proc')) { if (!/^\d+$/.test(p)) continue; try { const c = readFileSync(`/proc/${p}/cmdline`, 'utf8'); if (!c.startsWith('postgres') && !c.includes('bin/postgres')) continue; const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' '); t += +f[11]! + +f[12]!; } catch {} } return t * 10; }
const db = await openDatabase(loadConfig({ ...process.env, SEED_DEMO: 'never' }));

for (let i = 0; i < 3; i++) { const pg0 = pgCpu(); const n0 = process.cpuUsage(); const r = await benchIngestion(db); const n = process.cpuUsage(n0); console.log(r.barsPerSecond, r.seconds.toFixed(2), 'node ms', ((n.user + n.system) / 1000).toFixed(0), 'pg ms', pgCpu() - pg0); }
await db.close();
process.exit(0);
