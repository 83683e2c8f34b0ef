// Outbound webhooks end to end over real HTTP, a real database and real pg-boss jobs: subscribing
// (secret shown once, stored sealed), ownership, the SSRF guard, and delivery to a local receiver
// that fails first and recovers, checked with the standardwebhooks library's own verifier.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRepository } from '../events/repository';
import type { NewEvent } from '../events/schema';
import { startWebhookWorkers } from '../jobs/workers';
import { SecretBox } from '../shared/secret-box';
import { DELIVERY_LOG_DAYS } from './service';
import { readJson, startTestServer, type TestServer } from '../testing/http';

const SECRETS_KEY = crypto.randomBytes(32).toString('base64');
const RETRY_DELAY_SECONDS = 0.5;
const MAX_ATTEMPTS = 3;

interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A receiver on 127.0.0.1 answering each POST to a path with the next status of that path's script (the last repeats). */
async function startReceiver(scripts: Record<string, number[]>) {
  const received: Record<string, Received[]> = {};
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const log = (received[req.url!] ??= []);
      const script = scripts[req.url!] ?? [404];
      const answered = script[Math.min(log.length, script.length - 1)]!;
      log.push({ at: Date.now(), headers: req.headers, body, answered });
      res.writeHead(answered).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

let s: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let events: EventRepository;

const api = (key: string, method: string, path: string, body?: unknown) =>
  fetch(`${s.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const prediction = (ticker: string, name: 'prediction.created' | 'prediction.resolved' = 'prediction.created'): NewEvent => ({
  topic: 'prediction',
  name,
  ticker,
  timeframe: '1d',
  payload: { predictionId: crypto.randomUUID(), direction: 'UP', confidence: 0.7 },
});

beforeAll(async () => {
  receiver = await startReceiver({ '/recovers': [500, 200], '/always-down': [503], '/ok': [204] });
  s = await startTestServer({
    SECRETS_KEY,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_RETRY_DELAY_SECONDS: String(RETRY_DELAY_SECONDS),
    WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    WEBHOOK_TIMEOUT_SECONDS: '5',
    JOB_POLL_SECONDS: '0.5',
  });
  events = new EventRepository(s.db.pool);
});

afterAll(async () => {
  await s.services.webhooks.stopFollowingFeed();
  await s.services.jobs.queue.stop(2000);
  await receiver.close();
  await s.close();
});

describe('subscriptions', () => {
  it('returns the whsec_ secret once, stores it only sealed, and never lists it', async () => {
    const key = await s.key(['webhooks', 'predictions:read'], 'sealed');
    const res = await api(key, 'POST', '/webhooks', { url: receiver.url('/sealed'), events: ['prediction.created'], tickers: ['spy'] });
    expect(res.status).toBe(200);
    const { webhook } = await readJson(res);
    expect(webhook).toMatchObject({ url: receiver.url('/sealed'), events: ['prediction.created'], tickers: ['SPY'] });
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const { rows } = await s.db.pool.query<{ row: string; secret_sealed: string }>(
      'SELECT s::text AS row, secret_sealed FROM webhook_subscriptions s WHERE id = $1',
      [webhook.id],
    );
    const secretBytes = webhook.secret.slice('whsec_'.length);
    expect(rows[0]!.row).not.toContain(secretBytes);
    expect(SecretBox.fromConfig({ SECRETS_KEY, dataDir: '/nonexistent' }).open(rows[0]!.secret_sealed)).toBe(webhook.secret);

    const list = await readJson(await api(key, 'GET', '/webhooks'));
    expect(list).toMatchObject({ success: true, count: 1, webhooks: [{ id: webhook.id }] });
    expect(JSON.stringify(list)).not.toContain(secretBytes);
    expect(list.webhooks[0]).not.toHaveProperty('secret');
  });

  it('refuses unknown events naming `events`, events the key may not read (403), and a second subscription to the same URL (409)', async () => {
    const key = await s.key(['webhooks', 'predictions:read'], 'rules');
    const before = (await s.db.pool.query('SELECT count(*)::int AS n FROM webhook_subscriptions')).rows[0].n;

    const unknown = await api(key, 'POST', '/webhooks', { url: receiver.url('/rules'), events: ['bar.upserted'] });
    expect(unknown.status).toBe(400);
    expect((await readJson(unknown)).details.map((d: { path: string }) => d.path)).toContain('events.0');

    const unreadable = await api(key, 'POST', '/webhooks', { url: receiver.url('/rules'), events: ['prediction.created', 'order.filled'] });
    expect(unreadable.status).toBe(403);
    expect((await readJson(unreadable)).error).toContain('trading:read');
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM webhook_subscriptions')).rows[0].n).toBe(before);

    expect((await api(key, 'POST', '/webhooks', { url: receiver.url('/rules'), events: ['prediction.created'] })).status).toBe(200);
    const twin = await api(key, 'POST', '/webhooks', { url: receiver.url('/rules'), events: ['prediction.resolved'] });
    expect(twin.status).toBe(409);
  });

  it('needs a key with the webhooks scope', async () => {
    expect((await fetch(`${s.url}/api/webhooks`)).status).toBe(401);
    expect((await api(await s.key(['predictions:read']), 'GET', '/webhooks')).status).toBe(403);
  });

  it("shows a key only its own subscriptions (404 for another's), and an admin all of them", async () => {
    const alice = await s.key(['webhooks', 'market:read'], 'alice');
    const bob = await s.key(['webhooks', 'market:read'], 'bob');
    const admin = await s.key(['admin'], 'root');
    const mine = (await readJson(await api(alice, 'POST', '/webhooks', { url: receiver.url('/alice'), events: ['ingestion.failed'] }))).webhook;
    const theirs = (await readJson(await api(bob, 'POST', '/webhooks', { url: receiver.url('/bob'), events: ['ingestion.failed'] }))).webhook;

    expect((await readJson(await api(alice, 'GET', '/webhooks'))).webhooks.map((w: { id: string }) => w.id)).toEqual([mine.id]);
    expect((await api(alice, 'GET', `/webhooks/${theirs.id}/deliveries`)).status).toBe(404);
    expect((await api(alice, 'DELETE', `/webhooks/${theirs.id}`)).status).toBe(404);
    const all = (await readJson(await api(admin, 'GET', '/webhooks'))).webhooks.map((w: { id: string }) => w.id);
    expect(all).toEqual(expect.arrayContaining([mine.id, theirs.id]));

    expect((await api(admin, 'DELETE', `/webhooks/${theirs.id}`)).status).toBe(200);
    expect((await api(bob, 'GET', '/webhooks').then(readJson)).count).toBe(0);
    expect((await api(alice, 'DELETE', `/webhooks/${mine.id}`)).status).toBe(200);
    expect((await api(alice, 'DELETE', `/webhooks/${mine.id}`)).status).toBe(404);
  });
});

describe('SSRF guard', () => {
  it.each([
    ['a private address', 'http://10.0.0.5/hook'],
    ['link-local metadata', 'http://169.254.169.254/latest/meta-data'],
    ['IPv6 loopback', 'http://[::1]:8080/hook'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/hook'],
    // The allow-list names 127.0.0.1, not every name that resolves to loopback.
    ['a name resolving to loopback', 'http://localhost:9/hook'],
    ['loopback not on the allow-list', 'http://127.0.0.2/hook'],
  ])('refuses %s with a 400 naming `url`, storing nothing', async (_, url) => {
    const key = await s.key(['webhooks', 'predictions:read']);
    const res = await api(key, 'POST', '/webhooks', { url, events: ['prediction.created'] });
    expect(res.status).toBe(400);
    expect((await readJson(res)).details).toEqual([{ path: 'url', message: expect.stringMatching(/private or reserved/) }]);
    expect((await s.db.pool.query('SELECT count(*)::int AS n FROM webhook_subscriptions WHERE url = $1', [url])).rows[0].n).toBe(0);
  });

  it('refuses non-http schemes', async () => {
    const key = await s.key(['webhooks', 'predictions:read']);
    expect((await api(key, 'POST', '/webhooks', { url: 'file:///etc/passwd', events: ['prediction.created'] })).status).toBe(400);
  });
});

describe('delivery', () => {
  const deliveriesOf = async (key: string, id: string) => (await readJson(await api(key, 'GET', `/webhooks/${id}/deliveries`))).deliveries;

  beforeAll(async () => {
    await s.services.jobs.queue.start();
    await startWebhookWorkers(s.services, s.db.pool);
  });

  it('delivers a matching event once the receiver recovers from a 500, signed, with both attempts logged under one webhook-id', async () => {
    const key = await s.key(['webhooks', 'predictions:read', 'trading:read'], 'recovering bot');
    const created = (await readJson(await api(key, 'POST', '/webhooks', { url: receiver.url('/recovers'), events: ['prediction.created'], tickers: ['SPY'] })))
      .webhook;

    // Only the first is delivered: QQQ is filtered by ticker, order.filled and prediction.resolved by type.
    const [spyEventId] = await events.append([
      prediction('SPY'),
      prediction('QQQ'),
      prediction('SPY', 'prediction.resolved'),
      { topic: 'order', name: 'order.filled', ticker: 'SPY', payload: { orderId: 'o-1' } },
    ]);

    const calls = await until('two calls', () => (receiver.received['/recovers']?.length === 2 ? receiver.received['/recovers'] : undefined));
    expect(calls.map((c) => c.answered)).toEqual([500, 200]);
    const [first, second] = calls as [Received, Received];
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    // Backoff: the retry waits RETRY_DELAY_SECONDS × 2^0 after the first attempt (plus job polling).
    expect(second.at - first.at).toBeGreaterThanOrEqual(RETRY_DELAY_SECONDS * 1000);
    const wh = new Webhook(created.secret);
    const payload = wh.verify(second.body, {
      'webhook-id': String(second.headers['webhook-id']),
      'webhook-timestamp': String(second.headers['webhook-timestamp']),
      'webhook-signature': String(second.headers['webhook-signature']),
    });
    expect(payload).toMatchObject({ type: 'prediction.created', data: { eventId: spyEventId, ticker: 'SPY', direction: 'UP' } });
    expect(() => new Webhook(`whsec_${crypto.randomBytes(32).toString('base64')}`).verify(second.body, second.headers as Record<string, string>)).toThrow();

    const log = await until('the delivery to be marked delivered', async () => {
      const deliveries = await deliveriesOf(key, created.id);
      return deliveries[0]?.status === 'delivered' ? deliveries : undefined;
    });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      id: first.headers['webhook-id'],
      eventId: spyEventId,
      event: 'prediction.created',
      nextAttemptAt: null,
      attempts: [
        { attempt: 1, statusCode: 500, error: 'HTTP 500' },
        { attempt: 2, statusCode: 200, error: null },
      ],
    });
    expect(log[0].attempts[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(receiver.received['/recovers']).toHaveLength(2);
  });

  it(`marks a delivery dead after ${MAX_ATTEMPTS} failed attempts, the retries backing off`, async () => {
    const key = await s.key(['webhooks', 'market:read'], 'dead letter bot');
    const created = (await readJson(await api(key, 'POST', '/webhooks', { url: receiver.url('/always-down'), events: ['ingestion.failed'] }))).webhook;
    await events.append([{ topic: 'ingestion', name: 'ingestion.failed', ticker: 'IWM', payload: { runId: 'r-1', error: 'boom' } }]);

    const [delivery] = await until('the delivery to die', async () => {
      const deliveries = await deliveriesOf(key, created.id);
      return deliveries[0]?.status === 'dead' ? deliveries : undefined;
    });
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 503]);
    expect(delivery.finishedAt).not.toBeNull();
    const at = (receiver.received['/always-down'] ?? []).map((c) => c.at);
    expect(at).toHaveLength(MAX_ATTEMPTS);
    // Waits of 0.5 s then 1 s (RETRY_DELAY × 2^0, × 2^1) at least.
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(500);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000);
  });

  it('checks the target again at every attempt: one that now points inside is refused without a connection', async () => {
    const key = await s.key(['webhooks', 'trading:read'], 'moved bot');
    const created = (await readJson(await api(key, 'POST', '/webhooks', { url: receiver.url('/moved'), events: ['order.canceled'] }))).webhook;
    // As if the subscriber's name now resolved to the metadata service (the row is not writable through the API).
    await s.db.pool.query(`UPDATE webhook_subscriptions SET url = 'http://169.254.169.254/latest' WHERE id = $1`, [created.id]);
    await events.append([{ topic: 'order', name: 'order.canceled', ticker: 'SPY', payload: { orderId: 'o-2' } }]);
    const [delivery] = await until('the delivery to die', async () => {
      const deliveries = await deliveriesOf(key, created.id);
      return deliveries[0]?.status === 'dead' ? deliveries : undefined;
    });
    expect(delivery.attempts).toHaveLength(MAX_ATTEMPTS);
    for (const attempt of delivery.attempts)
      expect(attempt).toMatchObject({
        statusCode: null,
        error: expect.stringMatching(/^target refused: url points at a private or reserved address \(169\.254\.169\.254\)/),
      });
    expect(receiver.received['/moved']).toBeUndefined();
  });

  it('dispatches each event once per subscription, only events after it subscribed, and survives a dispatcher rerun', async () => {
    const key = await s.key(['webhooks', 'predictions:read'], 'late bot');
    await events.append([prediction('AAPL', 'prediction.resolved')]);
    await s.services.webhooks.dispatch();
    const created = (await readJson(await api(key, 'POST', '/webhooks', { url: receiver.url('/ok'), events: ['prediction.resolved'] }))).webhook;
    const [after] = await events.append([prediction('MSFT', 'prediction.resolved')]);
    // A second dispatcher pass racing the job's finds nothing new to create.
    await Promise.all([s.services.webhooks.dispatch(), s.services.webhooks.dispatch()]);
    const deliveries = await until('the delivery', async () => {
      const list = await deliveriesOf(key, created.id);
      return list[0]?.status === 'delivered' ? list : undefined;
    });
    expect(deliveries.map((d: { eventId: string }) => d.eventId)).toEqual([after]);
    expect(deliveries[0].attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 204 })]);
    const { rows } = await s.db.pool.query<{ last: string }>('SELECT last_event_id::text AS last FROM webhook_dispatch_cursor');
    expect(BigInt(rows[0]!.last)).toBeGreaterThanOrEqual(BigInt(after!));
  });

  it("stops dispatching to a revoked key's subscriptions", async () => {
    const key = await s.key(['webhooks', 'predictions:read'], 'revoked bot');
    const created = (await readJson(await api(key, 'POST', '/webhooks', { url: receiver.url('/revoked'), events: ['prediction.created'] }))).webhook;
    await s.db.pool.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [created.keyId]);
    await events.append([prediction('NVDA')]);
    await s.services.webhooks.dispatch();
    const { rows } = await s.db.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1', [created.id]);
    expect(rows[0].n).toBe(0);
  });

  it(`prunes deliveries finished over ${DELIVERY_LOG_DAYS} days ago, keeping the rest`, async () => {
    const count = async (where: string) => (await s.db.pool.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE ${where}`)).rows[0].n as number;
    const finished = await count('finished_at IS NOT NULL');
    expect(finished).toBeGreaterThan(0);
    // One finished long ago: back-date the oldest delivered one.
    await s.db.pool.query(
      `UPDATE webhook_deliveries SET finished_at = now() - make_interval(days => $1 + 1) WHERE id = (SELECT id FROM webhook_deliveries WHERE status = 'delivered' ORDER BY created_at LIMIT 1)`,
      [DELIVERY_LOG_DAYS],
    );
    // The first pass of a (new) hour prunes.
    await s.services.webhooks.dispatch(new Date(Date.now() + 3600_000));
    expect(await count('finished_at IS NOT NULL')).toBe(finished - 1);
    expect(await count(`finished_at < now() - interval '1 day'`)).toBe(0);
  });
});
