import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { sessionsBetween, simulateMinuteBars } from '../server/demo/market-simulator';
import { encodeBarCopy } from '../server/market-data/binary-copy';
const db = await openDatabase(loadConfig({ ...process.env, SEED_DEMO: 'never' }));
const bars = simulateMinuteBars({ ticker: 'ZZX', startPrice: 400, annualVol: 0.2, annualDrift: 0.05, minuteVolume: 1e5 }, sessionsBetween('2023-06-01', '2025-06-30'), 7);
console.log(bars.length);
const variants: Record<string, string> = {
  real: `CREATE TABLE x (LIKE market_data INCLUDING ALL)`,
};
for (let round = 0; round < 6; round++) for (const [name, ddl] of Object.entries(variants)) {
  await db.pool.query('DROP TABLE IF EXISTS x');
  await db.pool.query(ddl);
  const c = await db.pool.connect();
  const t = performance.now();
  await pipeline(Readable.from(encodeBarCopy(bars)), c.query(copyFrom(`COPY x (ticker, timeframe, "timestamp", open, high, low, close, volume, vwap, trade_count) FROM STDIN (FORMAT binary)`)));
  console.log(name.padEnd(12), (performance.now() - t).toFixed(0), 'ms');
  c.release();
}
await db.pool.query('DROP TABLE IF EXISTS x');
await db.close(); process.exit(0);
