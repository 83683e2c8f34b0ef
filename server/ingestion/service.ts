// Ingestion rules between callers (API, CLI, scheduled jobs) and the runner: turns requests into
// run plans, runs them in the foreground (CLI) or as durable jobs (API, schedule), and reads runs,
// logs and gap reports back.
import type { AppConfig } from '../config';
import { logger, type Logger } from '../logger';
import type { MarketDataRepository } from '../market-data/repository';
import { TIMEFRAMES, type Timeframe } from '../market-data/schema';
import { DomainError } from '../shared/domain-error';
import { addDays, nyMidnightUtcMs, previousTradingDay, sessionDateOf } from './calendar';
import { validateGaps, type GapReport } from './gaps';
import { pacerFor, type BackoffOptions, type PolygonPlan } from './pacing';
import { PolygonClient, type BarSource } from './polygon';
import type { IngestionRepository, IngestionRun, LogFilter, RunFilter, RunKind } from './repository';
import { createRun, executeRun, planRunWindows, type BarsWrittenHook, type ExecuteOptions, type RunPlan, type RunSummary } from './runner';
import { RefreshInputSchema, StreamTickersSchema, type LogView, type RunView, type ValidateInput } from './schema';
import type { StreamHole, StreamSettings } from './stream';
import { todayNy, yearsBefore } from './windows';

interface PolygonSettings {
  apiKey?: string;
  baseUrl: string;
  plan: PolygonPlan;
  requestsPerSecond: number;
  pacing: 'on' | 'off';
  maxRetries: number;
  backoff?: BackoffOptions;
  timeoutMs?: number;
}

export interface IngestionSettings {
  polygon: PolygonSettings;
  refresh: { tickers: string[]; timeframes: Timeframe[]; cron: string[] };
  /** Heartbeat period of running runs. Default 5 s. */
  heartbeatMs?: number;
  /** A RUNNING run without heartbeat for this long is considered dead. Default 60 s. */
  staleMs?: number;
}

export function ingestionSettingsFromConfig(config: AppConfig): IngestionSettings {
  const refresh = RefreshInputSchema.safeParse({ tickers: config.REFRESH_TICKERS, timeframes: config.REFRESH_TIMEFRAMES });
  if (!refresh.success) throw new Error(`Invalid REFRESH_TICKERS/REFRESH_TIMEFRAMES: ${refresh.error.issues.map((i) => i.message).join('; ')}`);
  return {
    polygon: {
      apiKey: config.POLYGON_API_KEY ?? config.NEXT_PUBLIC_POLYGON_API_KEY,
      baseUrl: config.POLYGON_BASE_URL,
      plan: config.POLYGON_PLAN,
      requestsPerSecond: config.POLYGON_REQUESTS_PER_SECOND,
      pacing: config.POLYGON_PACING,
      maxRetries: config.POLYGON_MAX_RETRIES,
    },
    refresh: {
      tickers: refresh.data.tickers ?? [],
      timeframes: refresh.data.timeframes ?? [...TIMEFRAMES],
      cron: config.REFRESH_CRON.split(';').map((p) => p.trim()).filter(Boolean),
    },
  };
}

/** The stream's settings (POLYGON_WS_URL, STREAM_TICKERS, ...), or null when STREAM_TICKERS is unset. */
export function streamSettingsFromConfig(config: AppConfig): StreamSettings | null {
  if (!config.STREAM_TICKERS) return null;
  const tickers = StreamTickersSchema.safeParse(config.STREAM_TICKERS);
  if (!tickers.success) throw new Error(`Invalid STREAM_TICKERS: ${tickers.error.issues.map((i) => i.message).join('; ')}`);
  const apiKey = config.POLYGON_API_KEY ?? config.NEXT_PUBLIC_POLYGON_API_KEY;
  if (!apiKey) throw new Error('STREAM_TICKERS is set but POLYGON_API_KEY (or NEXT_PUBLIC_POLYGON_API_KEY) is not');
  return {
    url: config.POLYGON_WS_URL,
    apiKey,
    tickers: tickers.data,
    reconnect: { baseMs: config.STREAM_RECONNECT_MIN_MS, maxMs: config.STREAM_RECONNECT_MAX_MS },
  };
}

export interface BackfillRequest {
  tickers: string[];
  timeframes: Timeframe[];
  from?: string;
  to?: string;
  years?: number;
  force?: boolean;
}

export interface RefreshRequest {
  tickers?: string[];
  timeframes?: Timeframe[];
}

/** A run queued as a job: its row exists; the plan is carried along. */
export interface IngestionJob {
  runId: string;
  plan: RunPlan;
}

export interface IngestionServiceDeps {
  repository: IngestionRepository;
  /** Where bars are written, and read back for refresh plans and gap reports. */
  marketData: MarketDataRepository;
  /** Where gap reports read bars (on the read replica when one is configured); default marketData. */
  reportReads?: MarketDataRepository;
  settings: IngestionSettings;
  /** Runs after a series' bars changed (the feature pipeline's entry point). */
  onBarsWritten?: BarsWrittenHook;
  /** Queues a run for a worker (the ingestion-run job); needed by startBackfill/triggerRefresh. */
  enqueueRun?: (job: IngestionJob) => Promise<void>;
  /** Where bars come from; default Polygon per settings. */
  source?: BarSource;
  log?: Logger;
  now?: () => Date;
}

export class IngestionService {
  readonly repository: IngestionRepository;
  private readonly marketData: MarketDataRepository;
  private readonly log: Logger;
  private readonly now: () => Date;
  private source?: BarSource;

  constructor(private readonly deps: IngestionServiceDeps) {
    this.repository = deps.repository;
    this.marketData = deps.marketData;
    this.log = deps.log ?? logger;
    this.now = deps.now ?? (() => new Date());
  }

  get settings(): IngestionSettings {
    return this.deps.settings;
  }

  // ---- reading -------------------------------------------------------------------------------

  async listRuns(filter: RunFilter): Promise<{ runs: RunView[]; nextCursor: string | null }> {
    const page = await this.repository.listRuns(filter);
    return { runs: page.items.map((r) => this.view(r)), nextCursor: page.nextCursor };
  }

  async getRun(id: string): Promise<RunView | null> {
    const run = await this.repository.getRun(id);
    return run && this.view(run);
  }

  async listLogs(filter: LogFilter): Promise<{ logs: LogView[]; nextCursor: string | null }> {
    const page = await this.repository.listLogs(filter);
    // The table's CHECK constraint admits only known timeframes.
    return { logs: page.items.map((l) => ({ ...l, timeframe: l.timeframe as Timeframe })), nextCursor: page.nextCursor };
  }

  /** Calendar-aware gap report of the stored bars of the session dates from..to. */
  async validate(input: ValidateInput): Promise<GapReport> {
    const { ticker, timeframe, from, to } = input;
    const stored = await (this.deps.reportReads ?? this.marketData).getBarsInRange(ticker, timeframe, new Date(nyMidnightUtcMs(from)), new Date(nyMidnightUtcMs(addDays(to, 1))));
    const bars = stored.map((b) => ({ ...b, timestamp: new Date(b.timestamp) }));
    return validateGaps(bars, { ticker, timeframe, from, to, outageMinutes: input.outageMinutes, extended: input.extended });
  }

  // ---- running -------------------------------------------------------------------------------

  /** tickers x timeframes over session dates; `to` defaults to (and is cut at) today in New York. */
  backfillPlan(request: BackfillRequest): RunPlan {
    const today = todayNy(this.now());
    const to = request.to && request.to < today ? request.to : today;
    const from = request.from ?? yearsBefore(to, request.years ?? 2);
    if (from > to) {
      const message = `from ${from} is after ${to}${to === request.to ? '' : ' (today in New York)'}`;
      throw DomainError.invalid(message, [{ path: 'from', message }]);
    }
    const series = request.tickers.flatMap((ticker) => request.timeframes.map((timeframe) => ({ ticker, timeframe, from, to })));
    return { kind: 'backfill', series, force: request.force };
  }

  /** From the session of each series' newest stored bar (or the previous session) to today. */
  async refreshPlan(request: RefreshRequest = {}): Promise<RunPlan> {
    const tickers = request.tickers ?? this.settings.refresh.tickers;
    const timeframes = request.timeframes ?? this.settings.refresh.timeframes;
    if (tickers.length === 0) throw DomainError.precondition('No tickers to refresh (set REFRESH_TICKERS or pass tickers)');
    const today = todayNy(this.now());
    const keys = tickers.flatMap((ticker) => timeframes.map((timeframe) => ({ ticker, timeframe })));
    const series = await Promise.all(
      keys.map(async ({ ticker, timeframe }) => {
        const newest = await this.marketData.getLatest(ticker, timeframe);
        const from = newest ? sessionDateOf(newest.timestamp) : previousTradingDay(today);
        return { ticker, timeframe, from: from < today ? from : today, to: today };
      }),
    );
    return { kind: 'refresh', series };
  }

  /** Runs a backfill to the end (CLI). */
  async runBackfill(request: BackfillRequest, options: ExecuteOptions = {}): Promise<RunSummary> {
    return this.execute(this.backfillPlan(request), { lockMode: 'wait', ...options });
  }

  /** Queues a backfill as a job; resolves with its run id once the run row exists. */
  async startBackfill(request: BackfillRequest): Promise<string> {
    return this.enqueue(this.backfillPlan(request));
  }

  /**
   * Queues the REST repair of a hole in the stream: a 1m backfill job of the session dates from the
   * last bar before the hole to the first bar after it, refetched even where an earlier run completed
   * them (the stream's bars went around the window log). Upserts make the overlap harmless.
   */
  async startStreamRepair(hole: StreamHole): Promise<string> {
    const from = sessionDateOf(hole.lastBefore);
    const to = sessionDateOf(hole.firstAfter);
    return this.startBackfill({ tickers: [hole.ticker], timeframes: ['1m'], from, to, force: true });
  }

  /** One refresh pass in the foreground; series another run holds are skipped. */
  async refresh(request: RefreshRequest = {}, options: ExecuteOptions = {}): Promise<RunSummary> {
    return this.execute(await this.refreshPlan(request), { lockMode: 'skip', ...options });
  }

  /** Queues a refresh as a job (API, scheduled tick); resolves with its run id. */
  async triggerRefresh(request: RefreshRequest = {}): Promise<string> {
    return this.enqueue(await this.refreshPlan(request));
  }

  /**
   * Executes a queued run: the first attempt, or a re-run after its worker died or its time slice
   * ended. Windows completed by an earlier attempt are skipped, so bars are neither fetched twice
   * nor duplicated (they are upserts anyway).
   */
  async runJob(job: IngestionJob, signal: AbortSignal): Promise<RunSummary> {
    await this.repository.resumeRun(job.runId, planRunWindows(job.plan).flat().length);
    return executeRun(this.runnerDeps(this.barSource()), job.runId, job.plan, { lockMode: job.plan.kind === 'refresh' ? 'skip' : 'wait', signal });
  }

  private barSource(): BarSource {
    if (this.deps.source) return this.deps.source;
    if (!this.source) {
      const p = this.settings.polygon;
      // A configuration problem, not a server fault.
      if (!p.apiKey) throw DomainError.precondition('POLYGON_API_KEY (or NEXT_PUBLIC_POLYGON_API_KEY) is not set');
      // One client per process so every run shares the same request pacing.
      this.source = new PolygonClient({
        apiKey: p.apiKey,
        baseUrl: p.baseUrl,
        pacer: pacerFor(p.plan, p.requestsPerSecond, p.pacing),
        maxRetries: p.maxRetries,
        backoff: p.backoff,
        timeoutMs: p.timeoutMs,
      });
    }
    return this.source;
  }

  private runnerDeps(source: BarSource) {
    return {
      repository: this.repository,
      bars: this.marketData,
      source,
      log: this.log,
      onBarsWritten: this.deps.onBarsWritten,
      heartbeatMs: this.settings.heartbeatMs,
      staleMs: this.settings.staleMs,
    };
  }

  private async execute(plan: RunPlan, options: ExecuteOptions): Promise<RunSummary> {
    const deps = this.runnerDeps(this.barSource());
    const run = await createRun(this.repository, plan);
    return executeRun(deps, run.id, plan, options);
  }

  private async enqueue(plan: RunPlan): Promise<string> {
    this.barSource(); // a missing API key is refused now, not in the worker
    if (!this.deps.enqueueRun) throw new Error('IngestionService: no job queue to run in the background');
    const run = await createRun(this.repository, plan);
    await this.deps.enqueueRun({ runId: run.id, plan });
    return run.id;
  }

  private view(run: IngestionRun): RunView {
    const now = this.now().getTime();
    const finished = run.windowsDone + run.windowsFailed;
    const elapsedSeconds = Math.max(0, ((run.finishedAt?.getTime() ?? now) - run.startedAt.getTime()) / 1000);
    const running = run.status === 'RUNNING';
    return {
      ...run,
      kind: run.kind as RunKind,
      timeframes: run.timeframes as Timeframe[],
      progress: {
        windowsFinished: finished,
        percent: run.windowsTotal > 0 ? Math.round((1000 * finished) / run.windowsTotal) / 10 : 100,
        elapsedSeconds: Math.round(elapsedSeconds * 10) / 10,
        barsPerSecond: elapsedSeconds > 0 ? Math.round(run.bars / elapsedSeconds) : 0,
        etaSeconds: running && finished > 0 ? Math.round((elapsedSeconds * (run.windowsTotal - finished)) / finished) : null,
        stale: running && run.heartbeatAt.getTime() < now - (this.settings.staleMs ?? 60_000),
      },
    };
  }
}
