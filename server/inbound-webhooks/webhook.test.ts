// The signed inbound webhook over real HTTP: a delivery is stored once, and a bad signature, a stale
// or future timestamp, a tampered body or a replayed message id are each refused with nothing stored.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../shared/webhook-signature';
import { readJson, startTestServer, type TestServer } from '../testing/http';

let server: TestServer;
let mlKey: string;
let secret: string;

const MINUTE = 60_000;
const at = (hour: number) => new Date(Date.UTC(2026, 10, 20, 14 + hour)).toISOString();
const push = (hours: number[]) => ({
  model: { name: 'hook-model', version: '1.0.0' },
  predictions: hours.map((h) => ({ ticker: 'SPY', timeframe: '1h', predictionTime: at(h), targetTime: at(h + 1), direction: 'UP', confidence: 0.7 })),
});

async function post(path: string, bearer: string | null, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
    body,
  });
  return { status: res.status, body: await readJson(res) };
}

/** Signs `body` with `signWith` (default: the service's secret) as of `signedAt`, and sends `sent` (default: the same bytes). */
function deliver(body: unknown, options: { id?: string; signedAt?: Date; signWith?: string; sent?: string; bearer?: string | null } = {}) {
  const raw = JSON.stringify(body);
  const headers = signWebhook(options.signWith ?? secret, options.id ?? `msg_${crypto.randomUUID()}`, options.signedAt ?? new Date(), raw);
  return post('/predictions/webhook', options.bearer === undefined ? mlKey : options.bearer, options.sent ?? raw, headers);
}

const stored = async () => (await server.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM predictions`)).rows[0]!.n;
const seenIds = async () => (await server.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_messages`)).rows[0]!.n;

beforeAll(async () => {
  server = await startTestServer({ SECRETS_KEY: crypto.randomBytes(32).toString('base64') });
  mlKey = await server.key(['predictions:write', 'models:write'], 'ml-service');
  const registered = await post('/models', mlKey, JSON.stringify({ name: 'hook-model', version: '1.0.0', algorithm: 'gbm', ticker: 'SPY', timeframe: '1h' }));
  expect(registered.status).toBe(200);
  const created = await post('/predictions/webhook/secret', mlKey, '{}');
  expect(created.status).toBe(200);
  secret = created.body.secret;
});
afterAll(() => server.close());

describe('signing secrets', () => {
  it('are returned once as whsec_…, stored sealed, one per key', async () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const { rows } = await server.db.pool.query<{ sealed: string }>('SELECT sealed_secret AS sealed FROM webhook_secrets');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sealed).not.toContain(secret.slice(6));
  });

  it("refuses another key's secret without admin (403) and a reader key (403)", async () => {
    const reader = await server.key(['predictions:read'], 'reader');
    const { rows } = await server.db.pool.query<{ id: string }>(`SELECT id FROM api_keys WHERE name = 'reader'`);
    expect((await post('/predictions/webhook/secret', mlKey, JSON.stringify({ keyId: rows[0]!.id }))).status).toBe(403);
    expect((await post('/predictions/webhook/secret', reader, '{}')).status).toBe(403);
  });
});

describe('deliveries', () => {
  it('stores a signed delivery once; the same message id again is a 409 storing nothing', async () => {
    const before = await stored();
    const first = await deliver(push([0, 1]), { id: 'msg_once' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ success: true, received: 2, created: 2, existing: 0 });
    expect(await stored()).toBe(before + 2);

    const replay = await deliver(push([2]), { id: 'msg_once' });
    expect(replay.status).toBe(409);
    expect(await stored()).toBe(before + 2);
    expect(await seenIds()).toBe(1);
  });

  it('refuses a signature made with another secret, a tampered body, a stale or future timestamp (401), storing nothing', async () => {
    const before = [await stored(), await seenIds()];
    const refusals = [
      await deliver(push([3]), { signWith: `whsec_${crypto.randomBytes(32).toString('base64')}` }),
      await deliver(push([3]), { sent: JSON.stringify(push([4])) }),
      await deliver(push([3]), { signedAt: new Date(Date.now() - 6 * MINUTE) }),
      await deliver(push([3]), { signedAt: new Date(Date.now() + 6 * MINUTE) }),
      await post('/predictions/webhook', mlKey, JSON.stringify(push([3]))),
    ];
    expect(refusals.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(refusals[2]!.body).toMatchObject({ success: false, error: 'Webhook signature rejected: Message timestamp too old' });
    expect([await stored(), await seenIds()]).toEqual(before);
    // Within the tolerance it passes.
    expect((await deliver(push([3]), { signedAt: new Date(Date.now() - 4 * MINUTE) })).status).toBe(200);
  });

  it('identifies the key by its signature when no bearer key is sent', async () => {
    const res = await deliver(push([5]), { bearer: null });
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(1);
    expect((await deliver(push([6]), { bearer: null, signWith: `whsec_${crypto.randomBytes(32).toString('base64')}` })).status).toBe(401);
  });

  it('answers a well-signed but invalid body with 400 (nothing stored, the id free for a corrected retry)', async () => {
    const before = await stored();
    const bad = await deliver({ model: { name: 'hook-model', version: '1.0.0' }, predictions: [] }, { id: 'msg_fix' });
    expect(bad.status).toBe(400);
    expect((await deliver({ model: { name: 'nope', version: '1.0.0' }, predictions: push([7]).predictions }, { id: 'msg_fix' })).status).toBe(404);
    expect(await stored()).toBe(before);
    expect((await deliver(push([7]), { id: 'msg_fix' })).status).toBe(200);
  });

  it('stops accepting the old secret once rotated', async () => {
    const old = secret;
    secret = (await post('/predictions/webhook/secret', mlKey, '{}')).body.secret;
    expect((await deliver(push([8]), { signWith: old })).status).toBe(401);
    expect((await deliver(push([8]))).status).toBe(200);
  });

  it('leaves keyed access to the batch route as it was', async () => {
    const res = await post('/predictions/batch', mlKey, JSON.stringify({ predictions: push([9]).predictions.map((p) => ({ ...p, modelId: undefined })) }));
    expect(res.status).toBe(400); // the batch names its model per prediction
    const { rows } = await server.db.pool.query<{ id: string }>(`SELECT id FROM models WHERE name = 'hook-model'`);
    const ok = await post('/predictions/batch', mlKey, JSON.stringify({ predictions: push([9]).predictions.map((p) => ({ ...p, modelId: rows[0]!.id })) }));
    expect(ok.status).toBe(200);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = await readJson(await fetch(`${server.url}/api/openapi.json`));
    expect(doc.paths['/predictions/webhook'].post.parameters.map((p: { name: string }) => p.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(doc.paths['/predictions/webhook/secret'].post).toBeDefined();
  });
});
