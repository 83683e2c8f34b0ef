// A short soak in `npm test`: two real instances (`server/main.ts`) on one PostgreSQL behind Debian's
// nginx, a fixed-rate mix of reads and writes, then the database checked against what was acknowledged.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NGINX, startSoakCluster, type SoakCluster } from './cluster';
import { formatSoakResult, runSoak } from './load';

const SECONDS = 20;
// Modest: the test shares two cores with the rest of `npm test`; `npm run soak` defaults to 50 req/s.
const RATE = 20;
const hasNginx = fs.existsSync(NGINX);
if (!hasNginx && process.env.CI) throw new Error(`${NGINX} is missing: .ci/run installs nginx; the soak must run in CI`);
if (!hasNginx) console.warn(`soak test skipped: ${NGINX} is missing (apt-get install nginx)`);

describe.skipIf(!hasNginx)('two instances behind nginx under a fixed-rate mix', () => {
  let cluster: SoakCluster;
  beforeAll(async () => {
    cluster = await startSoakCluster();
  });
  afterAll(() => cluster?.stop());

  it(`serves ${SECONDS} s of reads, bulk writes, predictions and orders with zero errors, storing exactly what it acknowledged`, async () => {
    const result = await runSoak({ url: cluster.url, apiKey: cluster.apiKey, databaseUrl: cluster.databaseUrl, seconds: SECONDS, rate: RATE });
    console.log(formatSoakResult(result, SECONDS));
    if (Object.keys(result.errors).length > 0) console.log(await cluster.diagnostics());
    expect(result.errors).toEqual({});
    // Both instances served: nginx really balanced.
    for (const instance of cluster.instances) expect(result.upstreams[instance]).toBeGreaterThan(result.requests / 5);
    expect(result.acknowledged.orders).toBeGreaterThan(0);
    expect(result.stored).toMatchObject({ bars: result.acknowledged.bars, predictions: result.acknowledged.predictions, trades: result.acknowledged.orders });
  }, 120_000);
});
