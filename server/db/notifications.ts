// LISTEN on a dedicated connection (a pooled one would lose its LISTEN when handed back), so an
// in-memory cache can drop what another process just changed in the database. Notifications sent
// while the connection is down are lost: the listener then reports itself not live, callers must
// stop trusting what they cached, and it reconnects with backoff.
import pg from 'pg';
import { logger } from '../logger';

export interface NotificationHandlers {
  /** A NOTIFY on the channel was committed. */
  onNotify(payload: string): void;
  /** The listener went down or came back; either way, what was cached may be stale. */
  onLiveChange(live: boolean): void;
}

export interface NotificationListener {
  /** True while LISTEN is in force: every notification from now on will arrive. */
  readonly live: boolean;
  /** Resolves the first time the listener is live. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

const RETRY_MIN_MS = 500;
// Short, so caches trust notifications again within seconds of a database restart.
const RETRY_MAX_MS = 5_000;

export function listen(connection: pg.ClientConfig, channel: string, handlers: NotificationHandlers): NotificationListener {
  let client: pg.Client | null = null;
  let live = false;
  let closed = false;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: NodeJS.Timeout | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const setLive = (value: boolean) => {
    if (live === value) return;
    live = value;
    handlers.onLiveChange(value);
  };

  const lost = (current: pg.Client, error?: Error) => {
    if (client !== current) return; // already handled
    client = null;
    setLive(false);
    current.end().catch(() => undefined);
    if (closed) return;
    // Once per outage, not once per attempt: a database down for an hour must not flood the log.
    if (retryMs === RETRY_MIN_MS) logger.warn({ err: error, channel }, 'notification listener lost its connection; reconnecting');
    retryTimer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  async function connect(): Promise<void> {
    const current = new pg.Client({ ...connection, application_name: `quantbase-listen-${channel}` });
    client = current;
    current.on('error', (error) => lost(current, error));
    current.on('end', () => lost(current));
    current.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? '');
    });
    try {
      await current.connect();
      await current.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      lost(current, error as Error);
      return;
    }
    if (client !== current || closed) return;
    if (retryMs !== RETRY_MIN_MS) logger.info({ channel }, 'notification listener reconnected');
    retryMs = RETRY_MIN_MS;
    setLive(true);
    markReady();
  }

  void connect();
  return {
    get live() {
      return live;
    },
    ready,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const current = client;
      client = null;
      setLive(false);
      await current?.end().catch(() => undefined);
    },
  };
}
