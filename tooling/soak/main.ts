// `npm run soak`: two instances behind nginx on one database under a fixed-rate mix for SOAK_SECONDS
// (default 60) at SOAK_RATE requests a second (default 50); exits non-zero on any error.
import { startSoakCluster } from './cluster';
import { formatSoakResult, runSoak } from './load';

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const rate = Number(process.env.SOAK_RATE ?? 50);
if (!(seconds > 0) || !(rate > 0)) throw new Error('SOAK_SECONDS and SOAK_RATE must be positive numbers');

const cluster = await startSoakCluster({ databaseUrl: process.env.DATABASE_URL });
let failed = true;
try {
  console.log(`soak: nginx ${cluster.url} -> ${cluster.instances.join(', ')}; ${seconds} s at ${rate} req/s`);
  const result = await runSoak({ url: cluster.url, apiKey: cluster.apiKey, databaseUrl: cluster.databaseUrl, seconds, rate });
  console.log(formatSoakResult(result, seconds));
  failed = Object.keys(result.errors).length > 0;
  if (failed) console.log(await cluster.diagnostics());
} finally {
  await cluster.stop();
}
console.log(failed ? 'soak FAILED' : 'soak passed');
process.exit(failed ? 1 : 0);
