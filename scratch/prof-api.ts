// Profile the server under autocannon load on one route.
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { createServices } from '../server/services';
import { freePort } from '../server/testing/postgres';
const path = process.argv[2] ?? '/api/predictions/latest?ticker=SPY&timeframe=1h';
const prof = process.env.PROF === '1';
const config = loadConfig({ ...process.env, SEED_DEMO: 'auto' });
const port = await freePort();
const server = spawn(process.execPath, [...(prof ? ['--cpu-prof', '--cpu-prof-dir=/tmp/apiprof'] : []), '--import', 'tsx', 'server/main.ts'], {
  env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMITS: 'default=100000000' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  server.stdout.on('data', (d: Buffer) => d.toString().includes('Quantbase is running') && resolve());
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const db = await openDatabase(config);
const services = createServices(db, config);
const { key } = await services.auth.createKey('prof-api', ['admin'], new Date(Date.now() + 3_600_000));
const headers = { authorization: `Bearer ${key}` };
const base = `http://127.0.0.1:${port}`;
await autocannon({ url: base + path, connections: 10, duration: 2, headers });
const r = await autocannon({ url: base + path, connections: Number(process.env.CONN ?? 50), duration: Number(process.env.DUR ?? 8), headers });
console.log(path, 'rps', r.requests.average, 'p50', r.latency.p50, 'p99', r.latency.p99, 'non2xx', r.non2xx, 'errors', r.errors);
await services.auth.revokeKey('prof-api');
await db.close();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
process.exit(0);
