import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { SystemMetricsRepository } from './metrics-repository';

let db: TestDatabase;
let metrics: SystemMetricsRepository;
const T0 = Date.UTC(2025, 0, 1);
const minute = (n: number) => new Date(T0 + n * 60_000);

beforeAll(async () => {
  db = await createTestDatabase();
  metrics = new SystemMetricsRepository(db.pool);
  for (let i = 0; i < 5; i++) await metrics.record('api.latency_ms', 10 + i, { route: '/api/predictions/latest' }, minute(i));
  await metrics.record('ingestion.bars', 500, null, minute(2));
});
afterAll(() => db.drop());

describe('system metrics', () => {
  it('lists one metric oldest first, with its metadata', async () => {
    const points = await metrics.list('api.latency_ms');
    expect(points.map((p) => [p.metricValue, p.timestamp.getTime()])).toEqual([0, 1, 2, 3, 4].map((i) => [10 + i, minute(i).getTime()]));
    expect(points[0]!.metadata).toEqual({ route: '/api/predictions/latest' });
    expect((await metrics.list('ingestion.bars'))[0]).toMatchObject({ metricName: 'ingestion.bars', metricValue: 500, metadata: null });
  });

  it('filters by time range (from inclusive, to exclusive) and keeps the newest `limit` points', async () => {
    expect((await metrics.list('api.latency_ms', { from: minute(1), to: minute(3) })).map((p) => p.metricValue)).toEqual([11, 12]);
    expect((await metrics.list('api.latency_ms', { limit: 2 })).map((p) => p.metricValue)).toEqual([13, 14]);
  });
});
