// Process configuration, read once from the environment and validated, so a typo fails at start-up
// with the variable's name instead of surfacing later as an obscure runtime error.
import path from 'node:path';
import { z } from 'zod';

const optionalString = z.string().trim().min(1).optional().catch(undefined);
/** A non-negative decimal kept as its text, for exact money (decimal.js reads it). */
const paperDecimal = z.string().trim().regex(/^\d+(\.\d+)?$/, 'a non-negative decimal, e.g. 100000 or 0.5');

const envSchema = z.object({
  DATABASE_URL: optionalString,
  /** A streaming standby of DATABASE_URL's server: heavy reads go there while it keeps up. */
  DATABASE_REPLICA_URL: optionalString,
  /** Replay lag beyond which heavy reads return to the primary. */
  REPLICA_MAX_LAG_SECONDS: z.coerce.number<number>().positive().default(30),
  DATA_DIR: z.string().default('data'),
  PORT: z.coerce.number<number>().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_MAX: z.coerce.number<number>().int().min(1).max(200).default(10),
  /** A connect that takes longer fails (503); kept short so an unreachable database fails fast. */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number<number>().int().min(100).max(60_000).default(1_000),
  EMBEDDED_PG_PORT: z.coerce.number<number>().int().min(1).max(65535).default(54329),
  SEED_DEMO: z.enum(['auto', 'never']).default('auto'),
  /** Native mode: cron (UTC) of the daily_market_summary refresh job; `off` = never. */
  MATVIEW_REFRESH_CRON: z.string().trim().min(1).default('*/5 * * * *'),
  /** Cron (UTC) of the job filling in the outcome of predictions whose target time passed. */
  PREDICTION_RESOLVE_CRON: z.string().trim().min(1).default('* * * * *'),
  /** Hours after targetTime a prediction waits for missing bars before it is marked UNRESOLVABLE. */
  PREDICTION_GRACE_HOURS: z.coerce.number<number>().positive().default(48),
  // Background jobs (pg-boss) and shutdown
  /** A job active this long is taken as lost (its worker died) and retried; ingestion runs continue in slices of it. */
  JOB_EXPIRE_SECONDS: z.coerce.number<number>().int().min(5).max(86_000).default(300),
  /** Delay before a failed or lost job's first retry; doubled (with jitter) at each further retry. */
  JOB_RETRY_DELAY_SECONDS: z.coerce.number<number>().int().min(0).max(3600).default(5),
  /** How often lost jobs are looked for and old ones archived, once across instances. */
  JOB_MAINTENANCE_SECONDS: z.coerce.number<number>().int().min(1).max(3600).default(30),
  JOB_POLL_SECONDS: z.coerce.number<number>().min(0.5).max(60).default(2),
  /** SIGTERM: how long in-flight requests and running jobs get to finish. */
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number<number>().min(1).max(3600).default(25),
  /** SIGTERM: seconds readiness fails while connections are still accepted (the load balancer's probe interval). */
  SHUTDOWN_DRAIN_SECONDS: z.coerce.number<number>().min(0).max(600).default(0),
  RETENTION_YEARS: z.coerce.number<number>().int().min(1).default(5),
  // API access
  TRADING_BOT_API_KEY: optionalString,
  ML_SERVICE_API_KEY: optionalString,
  SESSION_TTL_HOURS: z.coerce.number<number>().positive().default(12),
  SIGN_IN_TOKEN_TTL_HOURS: z.coerce.number<number>().positive().default(24),
  /** Requests per minute: `default=600,anonymous=60,<scope>=<n>`; a key gets the highest of its scopes'. */
  RATE_LIMITS: z.string().default('default=600,anonymous=60,admin=6000'),
  RATE_LIMIT_STORE: z.enum(['postgres', 'memory']).default('postgres'),
  /** Comma-separated origins allowed to call the API from a browser; empty = same origin only. */
  CORS_ORIGINS: z.string().default(''),
  BODY_LIMIT: z.string().default('25mb'),
  /** base64 of 32 bytes sealing stored webhook secrets; unset = a key file generated under DATA_DIR. */
  SECRETS_KEY: optionalString,
  // Outbound webhooks (server/webhooks)
  /** Comma-separated host names (or IP literals) webhooks may target although they resolve to private/loopback addresses. */
  WEBHOOK_ALLOWED_HOSTS: z.string().default(''),
  /** Attempts per delivery (the first included); after the last failure the delivery is dead. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number<number>().int().min(1).max(30).default(8),
  /** Delay before the first retry; doubled at each further retry (10 s: 10, 20, 40 … 640 s). */
  WEBHOOK_RETRY_DELAY_SECONDS: z.coerce.number<number>().min(0.1).max(3600).default(10),
  /** One attempt's limit: connect, send and the receiver's answer. */
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number<number>().min(0.1).max(120).default(10),
  // Market-data ingestion (server/ingestion). The key falls back to the plan's NEXT_PUBLIC_ name.
  POLYGON_API_KEY: optionalString,
  NEXT_PUBLIC_POLYGON_API_KEY: optionalString,
  POLYGON_BASE_URL: z.url().default('https://api.polygon.io'),
  /** free = 5 requests/min; starter/developer = POLYGON_REQUESTS_PER_SECOND. */
  POLYGON_PLAN: z.enum(['free', 'starter', 'developer']).default('free'),
  // Paid plans are unlimited, but Polygon asks clients to stay under 100 requests a second.
  POLYGON_REQUESTS_PER_SECOND: z.coerce.number<number>().positive().max(99).default(50),
  /** off: no client-side pacing at all (only for the local fake server / bench). */
  POLYGON_PACING: z.enum(['on', 'off']).default('on'),
  POLYGON_MAX_RETRIES: z.coerce.number<number>().int().min(0).max(20).default(5),
  /** Comma-separated tickers refreshed by the scheduled refresh jobs; unset = no scheduled refresh. */
  REFRESH_TICKERS: optionalString,
  /** Comma-separated timeframes to refresh; unset = all. */
  REFRESH_TIMEFRAMES: optionalString,
  /** Cron patterns in America/New_York, ';'-separated; ticks on non-trading days are skipped. */
  REFRESH_CRON: z.string().trim().min(1).default('*/5 4-19 * * 1-5; 10 20 * * 1-5'),
  // Live streams (server/events, GET /api/stream, the SPA's subscriptions)
  /** Hours the change feed keeps events: a stream resuming with Last-Event-ID within it loses nothing. */
  EVENTS_RETENTION_HOURS: z.coerce.number<number>().positive().max(24 * 90).default(24),
  /** Channels one GET /api/stream may name. */
  STREAM_MAX_CHANNELS: z.coerce.number<number>().int().min(1).max(1000).default(20),
  /** Open streams per API key (or session) on one instance; one more is refused with 429. */
  STREAM_MAX_CONNECTIONS_PER_KEY: z.coerce.number<number>().int().min(1).max(10_000).default(5),
  /** Seconds between heartbeat comments on an idle stream (proxies cut silent connections). */
  STREAM_HEARTBEAT_SECONDS: z.coerce.number<number>().min(0.1).max(300).default(15),
  // Polygon WebSocket ingestion (server/ingestion/stream.ts)
  /** The stocks socket; 15-minute delayed plans: wss://delayed.polygon.io/stocks. */
  POLYGON_WS_URL: z
    .url()
    .regex(/^wss?:\/\/.+\/stocks\/?$/, 'must be a ws:// or wss:// URL ending in /stocks')
    .default('wss://socket.polygon.io/stocks'),
  /** Comma-separated tickers streamed as per-minute aggregates; unset = no stream. */
  STREAM_TICKERS: optionalString,
  /** Reconnect backoff of the stream: first wait up to this, doubling (full jitter) up to STREAM_RECONNECT_MAX_MS. */
  STREAM_RECONNECT_MIN_MS: z.coerce.number<number>().int().min(10).max(60_000).default(1000),
  STREAM_RECONNECT_MAX_MS: z.coerce.number<number>().int().min(10).max(600_000).default(30_000),
  // Paper broker (server/trading): the account, fees and slippage, as decimal strings.
  PAPER_STARTING_CASH: paperDecimal.default('100000'),
  /** true: SELL beyond the position opens a short (its value must fit the buying power). */
  PAPER_ALLOW_SHORT: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Seconds: a MARKET order on a newest bar older than this is refused; 0 = off. */
  PAPER_MAX_PRICE_AGE: z.coerce.number<number>().int().min(0).default(0),
  /** Fee of a fill: max(PAPER_FEE_MIN, value × PAPER_FEE_BPS / 10000 + shares × PAPER_FEE_PER_SHARE). */
  PAPER_FEE_BPS: paperDecimal.default('0'),
  PAPER_FEE_PER_SHARE: paperDecimal.default('0'),
  PAPER_FEE_MIN: paperDecimal.default('0'),
  /** MARKET and STOP fills move against the order by this many basis points. */
  PAPER_SLIPPAGE_BPS: paperDecimal.default('0'),
});

export type AppConfig = z.infer<typeof envSchema> & { dataDir: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${fields}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
