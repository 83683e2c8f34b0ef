// The registry over real HTTP: semantic versions, uniqueness per (series, algorithm, version),
// aliases with their append-only deployment history, rollback, and racing deploys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, startTestServer, type TestServer } from '../testing/http';

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  key = await server.key(['models:write', 'predictions:read'], 'ml-deployer');
});
afterAll(() => server.close());

async function api(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await readJson(res) };
}

const register = async (name: string, ticker: string, algorithm = name, version = '1.0.0') => {
  const { status, body } = await api('POST', '/models', { name, version, algorithm, ticker, timeframe: '1h' });
  expect(status).toBe(200);
  return body.model.id as string;
};
const count = async (sql: string, params: unknown[] = []) => (await server.db.pool.query<{ n: number }>(sql, params)).rows[0]!.n;
const activeIds = async (ticker: string) =>
  (await server.db.pool.query<{ id: string }>(`SELECT id FROM models WHERE ticker = $1 AND timeframe = '1h' AND is_active`, [ticker])).rows.map((r) => r.id);
const series = async (ticker: string) => (await api('GET', `/models/deployments?ticker=${ticker}&timeframe=1h`)).body;

describe('versions', () => {
  it('refuses a version that is not semantic (400 naming version), storing nothing', async () => {
    for (const version of ['1', 'v1.0.0', '1.0', 'latest']) {
      const { status, body } = await api('POST', '/models', { name: 'semver-bad', version, algorithm: 'lstm', ticker: 'SPY', timeframe: '1h' });
      expect(status, version).toBe(400);
      expect(body.details.map((d: { path: string }) => d.path)).toEqual(['version']);
    }
    expect(await count(`SELECT count(*)::int AS n FROM models WHERE name = 'semver-bad'`)).toBe(0);
    // Pre-release and build metadata are semantic versions too.
    await register('semver-pre', 'SPY', 'lstm', '2.0.0-rc.1+build.5');
  });

  it('refuses a second model with the same series, algorithm and version (409) under another name', async () => {
    await register('dup-a', 'DUP', 'xgboost', '1.2.3');
    const { status, body } = await api('POST', '/models', { name: 'dup-b', version: '1.2.3', algorithm: 'xgboost', ticker: 'DUP', timeframe: '1h' });
    expect(status).toBe(409);
    expect(body.error).toBe('A xgboost model version 1.2.3 is already registered for DUP 1h');
    // Another version, another algorithm or another series is a different model.
    await register('dup-c', 'DUP', 'xgboost', '1.2.4');
    await register('dup-d', 'DUP', 'lightgbm', '1.2.3');
    await register('dup-e', 'DUQ', 'xgboost', '1.2.3');
    expect(await count(`SELECT count(*)::int AS n FROM models WHERE name = 'dup-b'`)).toBe(0);
  });
});

describe('aliases and history', () => {
  let m1: string;
  let m2: string;
  beforeAll(async () => {
    m1 = await register('alias-1', 'ALI');
    m2 = await register('alias-2', 'ALI');
  });

  it('records every alias move (who, from, to, why); champion is the active model', async () => {
    const first = await api('POST', '/models/deploy', { modelId: m1, reason: 'first model' });
    expect(first.body).toMatchObject({ alias: 'champion', alreadyActive: false, previousActiveModelId: null, model: { id: m1, isActive: true, aliases: ['champion'] } });
    const challenger = await api('POST', '/models/deploy', { modelId: m2, alias: 'challenger' });
    expect(challenger.body).toMatchObject({ alias: 'challenger', previousActiveModelId: null, model: { id: m2, isActive: false, status: 'READY', aliases: ['challenger'] } });
    const promote = await api('POST', '/models/deploy', { modelId: m2, reason: 'beat the champion' });
    expect(promote.body).toMatchObject({ previousActiveModelId: m1, model: { id: m2, isActive: true, aliases: ['challenger', 'champion'] } });
    // Again: nothing moves, nothing is recorded.
    expect((await api('POST', '/models/deploy', { modelId: m2 })).body).toMatchObject({ alreadyActive: true, previousActiveModelId: null });

    expect(await activeIds('ALI')).toEqual([m2]);
    const { aliases, deployments, count: n } = await series('ALI');
    expect(aliases).toEqual([
      { alias: 'challenger', modelId: m2 },
      { alias: 'champion', modelId: m2 },
    ]);
    expect(n).toBe(3);
    expect(deployments.map((d: Record<string, unknown>) => [d.alias, d.fromModelId, d.toModelId, d.action, d.actor, d.reason])).toEqual([
      ['champion', m1, m2, 'deploy', 'ml-deployer', 'beat the champion'],
      ['challenger', null, m2, 'deploy', 'ml-deployer', null],
      ['champion', null, m1, 'deploy', 'ml-deployer', 'first model'],
    ]);
    // Each move published model.deployed in its transaction.
    expect(await count(`SELECT count(*)::int AS n FROM events WHERE name = 'model.deployed' AND ticker = 'ALI' AND timeframe = '1h'`)).toBe(3);
    // The listing shows the aliases too.
    const listed = (await api('GET', '/models?ticker=ALI')).body.models;
    expect(Object.fromEntries(listed.map((m: { name: string; aliases: string[] }) => [m.name, m.aliases]))).toEqual({ 'alias-1': [], 'alias-2': ['challenger', 'champion'] });
  });

  it('keeps the history append-only', async () => {
    await expect(server.db.pool.query(`UPDATE model_deployments SET actor = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(server.db.pool.query(`DELETE FROM model_deployments`)).rejects.toThrow(/append-only/);
  });

  it('rolls back to the previous champion, recorded; a second rollback undoes the first', async () => {
    const back = await api('POST', '/models/rollback', { ticker: 'ALI', timeframe: '1h', reason: 'live accuracy fell' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ success: true, rolledBackModelId: m2, model: { id: m1, isActive: true, status: 'DEPLOYED', aliases: ['champion'] } });
    expect(await activeIds('ALI')).toEqual([m1]);
    const [latest] = (await series('ALI')).deployments;
    expect(latest).toMatchObject({ alias: 'champion', fromModelId: m2, toModelId: m1, action: 'rollback', actor: 'ml-deployer', reason: 'live accuracy fell' });

    expect((await api('POST', '/models/rollback', { ticker: 'ALI', timeframe: '1h' })).body.model.id).toBe(m2);
    expect(await activeIds('ALI')).toEqual([m2]);
  });

  it('refuses a rollback with no previous champion (422), changing nothing', async () => {
    const lone = await register('alias-lone', 'ALJ');
    expect((await api('POST', '/models/rollback', { ticker: 'ALJ', timeframe: '1h' })).status).toBe(422);
    await api('POST', '/models/deploy', { modelId: lone });
    const refused = await api('POST', '/models/rollback', { ticker: 'ALJ', timeframe: '1h' });
    expect(refused.status).toBe(422);
    expect(await activeIds('ALJ')).toEqual([lone]);
    expect((await series('ALJ')).count).toBe(1);
  });

  it('refuses a malformed alias (400) and an unknown model (404)', async () => {
    expect((await api('POST', '/models/deploy', { modelId: m1, alias: 'Champion!' })).status).toBe(400);
    expect((await api('POST', '/models/deploy', { modelId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
  });
});

describe('racing deploys', () => {
  it('10 concurrent deploys leave exactly one champion and 10 history rows that chain', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await register(`race-${i}`, 'RACE'));
    const results = await Promise.all(ids.map((modelId) => api('POST', '/models/deploy', { modelId })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));

    const active = await activeIds('RACE');
    expect(active).toHaveLength(1);
    const { deployments } = await series('RACE');
    expect(deployments).toHaveLength(10);
    // Oldest first: each move starts from where the one before ended, and the last ends at the champion.
    const chain = [...deployments].reverse();
    expect(chain[0].fromModelId).toBeNull();
    for (let i = 1; i < chain.length; i++) expect(chain[i].fromModelId).toBe(chain[i - 1].toModelId);
    expect(chain.at(-1).toModelId).toBe(active[0]);
    expect(new Set(chain.map((d: { toModelId: string }) => d.toModelId))).toEqual(new Set(ids));
    expect(await count(`SELECT count(*)::int AS n FROM events WHERE name = 'model.deployed' AND ticker = 'RACE'`)).toBe(10);
  });
});
