import { spawn } from 'node:child_process';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { createServices } from '../server/services';
import { freePort } from '../server/testing/postgres';
import { sessionsBetween, simulateMinuteBars } from '../server/demo/market-simulator';
import { MarketDataRepository } from '../server/market-data/repository';
const prof = process.env.PROF === '1';
const config = loadConfig({ ...process.env, SEED_DEMO: 'auto' });
const port = await freePort();
const server = spawn(process.execPath, [...(prof ? ['--cpu-prof', '--cpu-prof-dir=/tmp/rangeprof'] : []), ...(process.env.TRACE ? ['--trace-gc'] : []), '--import', 'tsx', 'server/main.ts'], {
  env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMITS: 'default=100000000' }, stdio: ['ignore', 'pipe', 'inherit'] });
const gcLines: string[] = []; server.stdout.on('data', (d: Buffer) => gcLines.push(...d.toString().split('\n').filter((l) => l.includes('ms: '))));
await new Promise<void>((resolve, reject) => { server.stdout.on('data', (d: Buffer) => d.toString().includes('Quantbase is running') && resolve()); server.once('exit', (code) => reject(new Error(`exit ${code}`))); });
const db = await openDatabase(config);
const services = createServices(db, config);
const { key } = await services.auth.createKey('prof-range', ['admin'], new Date(Date.now() + 3_600_000));
const T = 'ZZAPIBENCH';
const year = simulateMinuteBars({ ticker: T, startPrice: 300, annualVol: 0.2, annualDrift: 0, minuteVolume: 1e5 }, sessionsBetween('2024-06-01', '2025-06-30'), 3).slice(-100_000);
await db.pool.query('DELETE FROM market_data WHERE ticker = $1', [T]);
await new MarketDataRepository(db.pool).upsertBars(year);
const url = `http://127.0.0.1:${port}/api/market-data/range?ticker=${T}&timeframe=1m&from=${year[0]!.timestamp.toISOString()}&to=2025-07-01T00:00:00Z`;
const times: number[] = [];
for (let i = 0; i < 9; i++) { const t = performance.now(); const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } }); const body = await res.json() as any; times.push(performance.now() - t); if (body.count !== year.length) throw new Error('count ' + JSON.stringify(body).slice(0, 300)); }
console.log('range ms', times.map((t) => t.toFixed(0)).join(' '), 'median', [...times].sort((a, b) => a - b)[4]!.toFixed(0));
const t2 = performance.now(); const r2 = await fetch(url, { headers: { authorization: `Bearer ${key}` } }); const txt = await r2.text(); console.log('text only ms', (performance.now() - t2).toFixed(0), 'bytes', txt.length, 'ctype', r2.headers.get('content-type'), 'enc', r2.headers.get('content-encoding'));
console.log(txt.slice(0, 100));
const { execSync } = await import('node:child_process');
for (let i=0;i<5;i++) console.log('curl', execSync(`curl -s -o /dev/null -w '%{time_starttransfer} %{time_total}' -H 'authorization: Bearer ${key}' '${url}'`).toString());
await db.pool.query('DELETE FROM market_data WHERE ticker = $1', [T]);
await services.auth.revokeKey('prof-range');
if (process.env.TRACE) { const tail = gcLines.slice(-400); const sum = (re: RegExp) => tail.filter((l) => re.test(l)).map((l) => Number(/, ([\d.]+) \/ [\d.]+ ms/.exec(l)?.[1] ?? 0)).reduce((a, b) => a + b, 0); console.log('gc lines', gcLines.length, 'scavenge ms', sum(/Scavenge/), 'mark ms', sum(/Mark-Compact|Mark-sweep/)); console.log(tail.slice(-6).join('\n')); }
await db.close(); server.kill('SIGTERM'); await new Promise((r) => server.once('exit', r)); process.exit(0);
