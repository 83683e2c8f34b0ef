import pg from 'pg';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
const db = await openDatabase(loadConfig({ ...process.env, SEED_DEMO: 'never' }));
const { rows } = await db.pool.query('show unix_socket_directories'); console.log(rows);
const { rows: p } = await db.pool.query('select inet_server_port() port, current_user u'); console.log(p);
const url = new URL((db.pool as any).options.connectionString ?? '');
console.log(url.host);
async function run(label: string, pool: pg.Pool) {
  for (const conc of [1, 50]) {
    const n = 4000; let i = 0; const t = performance.now(); const c0 = process.cpuUsage();
    await Promise.all(Array.from({ length: conc }, async () => { while (i++ < n) await pool.query('SELECT 1'); }));
    const c = process.cpuUsage(c0);
    console.log(label, 'conc', conc, ((performance.now() - t) / n * 1000).toFixed(0), 'us/query wall', ((c.user + c.system) / n).toFixed(0), 'us cpu/query');
  }
}
await run('tcp', new pg.Pool({ connectionString: url.toString(), max: 10 }));
const dir = String(rows[0].unix_socket_directories).split(',')[0]!.trim();
await run('unix', new pg.Pool({ host: dir, port: p[0].port, user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1), max: 10 }));
await db.close(); process.exit(0);
