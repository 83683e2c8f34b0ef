// `npm run soak`: two instances behind nginx on one database under a fixed-rate mix for SOAK_SECONDS
// (default 60) at SOAK_RATE requests a second (default 50); exits non-zero on any error.
import { startSoakCluster } from './cluster';
import { formatSoakResult, runSoak } from './load';

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const rate = Number(process.env.SOAK_RATE ?? 50);
if (!(seconds > 0) || !(rate > 0)) throw new Error('SOAK_SECONDS and SOAK_RATE must be positive numbers');

const starting = startSoakCluster({ databaseUrl: process.env.DATABASE_URL });
// Interrupted (Ctrl-C, a CI timeout), even while starting: stop the instances, nginx and the
// database (once start-up has finished, so nothing it started is missed) before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`soak: ${signal}, stopping`);
    void starting.then((c) => c.stop(), () => undefined).finally(() => process.exit(130));
  });
}
const cluster = await starting;
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
