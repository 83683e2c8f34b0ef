import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCallers, type TestCallers } from '../testing/caller';

let t: TestCallers;
const admin = () => t.as(['models:write']);
const reader = () => t.as(['predictions:read']);
const MISSING = '00000000-0000-4000-8000-000000000000';

const spec = (name: string, version = '1.0.0', series: { ticker?: string | null; timeframe?: '1h' | '1d' | null } = { ticker: 'SPY', timeframe: '1h' }) => ({
  name,
  version,
  // One algorithm per name: a version is unique per (series, algorithm).
  algorithm: `lstm-${name}`,
  ...series,
});

beforeAll(async () => {
  t = await createTestCallers();
});
afterAll(() => t.db.drop());

const activeIn = async (ticker: string, timeframe: string) =>
  (await t.db.pool.query<{ id: string }>('SELECT id FROM models WHERE ticker = $1 AND timeframe = $2 AND is_active', [ticker, timeframe])).rows.map((r) => r.id);

describe('register', () => {
  it('stores a model version with its metrics and JSON objects, READY and inactive', async () => {
    const { success, model } = await admin().models.register({
      ...spec('reg-full'),
      accuracy: 0.61,
      precision: 0.6,
      recall: 0.55,
      f1Score: 0.57,
      sharpeRatio: 1.4,
      maxDrawdown: 0.12,
      hyperparameters: { layers: 2, dropout: 0.2, nested: { a: [1, 2] } },
      featureImportance: { rsi_14: 0.6, macd: 0.4 },
      metrics: { validationLoss: 0.41 },
      featureSet: ['rsi_14', 'macd'],
      trainingDataFrom: '2024-01-01T00:00:00Z',
      trainingDataTo: '2024-12-31T00:00:00Z',
      trainingRows: 98_280,
      trainedAt: '2025-01-02T00:00:00Z',
      modelPath: 's3://models/reg-full/1.0.0.json',
    });
    expect(success).toBe(true);
    expect(model).toMatchObject({
      name: 'reg-full',
      version: '1.0.0',
      ticker: 'SPY',
      timeframe: '1h',
      status: 'READY',
      isActive: false,
      accuracy: 0.61,
      hyperparameters: { layers: 2, dropout: 0.2, nested: { a: [1, 2] } },
      sharpeRatio: 1.4,
      maxDrawdown: 0.12,
      featureImportance: { rsi_14: 0.6, macd: 0.4 },
      metrics: { validationLoss: 0.41 },
      featureSet: ['rsi_14', 'macd'],
      trainingDataFrom: '2024-01-01T00:00:00.000Z',
      trainingDataTo: '2024-12-31T00:00:00.000Z',
      trainingRows: 98_280,
      trainedAt: '2025-01-02T00:00:00.000Z',
      modelPath: 's3://models/reg-full/1.0.0.json',
      deployedAt: null,
    });
  });

  it('refuses a second model with the same name and version (409) but takes a new version', async () => {
    await admin().models.register(spec('reg-dup'));
    await expect(admin().models.register({ ...spec('reg-dup'), algorithm: 'other' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'Model reg-dup@1.0.0 is already registered',
    });
    await expect(admin().models.register(spec('reg-dup', '1.0.1'))).resolves.toMatchObject({ model: { version: '1.0.1' } });
  });

  it('answers a retried registration (same body) with the model it created, even after a deploy, and writes nothing', async () => {
    const body = {
      ...spec('reg-retry'),
      accuracy: 0.6,
      hyperparameters: { layers: 2, nested: { b: [1, 2], a: 'x' } },
      featureSet: ['rsi_14'],
      trainingDataFrom: '2024-01-01T00:00:00Z',
    };
    const first = await admin().models.register(body);
    const count = async () => (await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM models WHERE name = 'reg-retry'`)).rows[0]!.n;
    // Key order in JSON objects and the spelling of an instant do not make it another registration.
    const retry = await admin().models.register({ ...body, hyperparameters: { nested: { a: 'x', b: [1, 2] }, layers: 2 }, trainingDataFrom: '2024-01-01T00:00:00.000Z' });
    expect(retry.model).toEqual(first.model);
    await admin().models.deploy({ modelId: first.model.id });
    const afterDeploy = await admin().models.register(body);
    expect(afterDeploy.model).toMatchObject({ id: first.model.id, status: 'DEPLOYED', isActive: true });
    expect(await count()).toBe(1);
    await expect(admin().models.register({ ...body, hyperparameters: { layers: 3, nested: { b: [1, 2], a: 'x' } } })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(admin().models.register({ ...body, accuracy: null })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses invalid input (400), no key (401), a key without models:write (403)', async () => {
    await expect(admin().models.register({ ...spec('reg-bad'), accuracy: 1.5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin().models.register({ ...spec('reg-bad'), timeframe: '2h' as '1h' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin().models.register({ ...spec('reg-bad'), hyperparameters: [1, 2] as never })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin().models.register({ ...spec(''), version: '1' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(t.as(null).models.register(spec('reg-anon'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.as(['predictions:write']).models.register(spec('reg-anon'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('deploy', () => {
  let a: string;
  let b: string;
  let c: string;
  beforeAll(async () => {
    const series = { ticker: 'QQQ', timeframe: '1d' as const };
    const register = async (name: string) => (await admin().models.register(spec(name, '1.0.0', series))).model.id;
    [a, b, c] = [await register('dep-a'), await register('dep-b'), await register('dep-c')];
  });

  it('activates a model, then replaces it and reports the one it replaced', async () => {
    const first = await admin().models.deploy({ modelId: a });
    expect(first).toMatchObject({ success: true, alreadyActive: false, previousActiveModelId: null, model: { id: a, isActive: true, status: 'DEPLOYED' } });
    expect(first.model.deployedAt).not.toBeNull();

    const second = await admin().models.deploy({ modelId: b });
    expect(second).toMatchObject({ alreadyActive: false, previousActiveModelId: a, model: { id: b, isActive: true } });
    expect(await activeIn('QQQ', '1d')).toEqual([b]);
    const { model: old } = await reader().models.get({ id: a });
    expect(old).toMatchObject({ isActive: false, status: 'READY' });
  });

  it('deploying the active model again is a successful no-op', async () => {
    const before = (await reader().models.get({ id: b })).model;
    const again = await admin().models.deploy({ modelId: b });
    expect(again).toMatchObject({ alreadyActive: true, previousActiveModelId: null, model: { id: b, isActive: true, deployedAt: before.deployedAt, updatedAt: before.updatedAt } });
    expect(await activeIn('QQQ', '1d')).toEqual([b]);
  });

  it('leaves exactly one active model when deploys race', async () => {
    const results = await Promise.all([a, c, a, c].map((modelId) => admin().models.deploy({ modelId })));
    const active = await activeIn('QQQ', '1d');
    expect(active).toHaveLength(1);
    expect([a, c]).toContain(active[0]);
    expect(results.every((r) => r.success)).toBe(true);
  });

  it('does not touch other series', async () => {
    const other = (await admin().models.register(spec('dep-other', '1.0.0', { ticker: 'QQQ', timeframe: '1h' }))).model.id;
    await admin().models.deploy({ modelId: other });
    await admin().models.deploy({ modelId: b });
    expect(await activeIn('QQQ', '1h')).toEqual([other]);
  });

  it('refuses an unknown model (404), a malformed id (400), no key (401), a reader (403)', async () => {
    await expect(admin().models.deploy({ modelId: MISSING })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(admin().models.deploy({ modelId: 'nope' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(t.as(null).models.deploy({ modelId: a })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(reader().models.deploy({ modelId: a })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('list and get', () => {
  let live: string;
  beforeAll(async () => {
    live = (await admin().models.register({ ...spec('get-live', '1.0.0', { ticker: 'DIA', timeframe: '1h' }), accuracy: 0.58 })).model.id;
    await admin().models.register(spec('get-generic', '1.0.0', { ticker: null, timeframe: null }));
    await admin().models.deploy({ modelId: live });
    // Four calls, three resolved, two of them right.
    const base = Date.UTC(2025, 3, 1, 14);
    const { predictions } = await t.as(['predictions:write']).predictions.createBatch({
      predictions: [0.6, 0.7, 0.8, 0.9].map((confidence, i) => ({
        modelId: live,
        ticker: 'DIA',
        timeframe: '1h' as const,
        predictionTime: new Date(base + i * 3_600_000),
        targetTime: new Date(base + (i + 1) * 3_600_000),
        direction: 'UP' as const,
        confidence,
      })),
    });
    await t.db.pool.query(
      `UPDATE predictions SET resolved_at = now(), correct = (id = ANY($1::uuid[])) WHERE id = ANY($2::uuid[])`,
      [[predictions[0]!.id, predictions[1]!.id], predictions.slice(0, 3).map((p) => p.id)],
    );
  });

  it('get: the registered metrics next to the live accuracy of its predictions', async () => {
    const { model } = await reader().models.get({ id: live });
    expect(model).toMatchObject({ name: 'get-live', accuracy: 0.58, isActive: true });
    expect(model.liveStats).toMatchObject({ total: 4, resolved: 3, correct: 2 });
    expect(model.liveStats.hitRate).toBeCloseTo(2 / 3, 12);
    expect(model.liveStats.avgConfidence).toBeCloseTo(0.75, 12);
  });

  it('get: a model without predictions has zero counts and no rates', async () => {
    const { models } = await reader().models.list({ ticker: 'QQQ', timeframe: '1d' });
    const { model } = await reader().models.get({ id: models[0]!.id });
    expect(model.liveStats).toEqual({ total: 0, resolved: 0, correct: 0, hitRate: null, avgConfidence: null });
  });

  it('get: unknown id (404), malformed id (400), no key (401), wrong scope (403)', async () => {
    await expect(reader().models.get({ id: MISSING })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(reader().models.get({ id: 'x' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(t.as(null).models.get({ id: live })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(t.as(['trading:read']).models.get({ id: live })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('list filters by ticker, timeframe and active (query-string booleans)', async () => {
    const names = async (query: Parameters<ReturnType<typeof reader>['models']['list']>[0]) => (await reader().models.list(query)).models.map((m) => m.name).sort();
    expect(await names({ ticker: 'dia' })).toEqual(['get-live']);
    expect(await names({ ticker: 'QQQ', timeframe: '1h' })).toEqual(['dep-other']);
    expect(await names({ ticker: 'QQQ', active: 'true' })).toEqual(['dep-b', 'dep-other']);
    expect(await names({ ticker: 'QQQ', timeframe: '1d', active: 'false' })).toEqual(['dep-a', 'dep-c']);
    const all = await reader().models.list({});
    expect(all.count).toBe(all.models.length);
    expect(all.models.map((m) => m.name)).toContain('get-generic');
    await expect(reader().models.list({ active: 'maybe' as 'true' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
