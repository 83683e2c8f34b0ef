// SQL for `system_metrics`: points of operational metrics (job durations, resolver counts...) kept
// in PostgreSQL so every instance writes to, and the SPA reads from, one place.
import type pg from 'pg';

export interface MetricPoint {
  id: string; // bigint: pg returns it as text, and it may exceed 2^53
  metricName: string;
  metricValue: number;
  metadata: Record<string, unknown> | null;
  timestamp: Date;
}

export class SystemMetricsRepository {
  constructor(private readonly pool: pg.Pool) {}

  async record(name: string, value: number, metadata: Record<string, unknown> | null = null, at = new Date()): Promise<void> {
    await this.pool.query(`INSERT INTO system_metrics (metric_name, metric_value, metadata, "timestamp") VALUES ($1, $2, $3, $4)`, [
      name,
      value,
      metadata && JSON.stringify(metadata),
      at,
    ]);
  }

  /** Points of one metric with from <= timestamp < to, oldest first (the newest `limit` of them). */
  async list(name: string, range: { from?: Date; to?: Date; limit?: number } = {}): Promise<MetricPoint[]> {
    const { rows } = await this.pool.query<MetricPoint>(
      `SELECT s.id::text AS id, s.metric_name AS "metricName", s.metric_value AS "metricValue", s.metadata, s."timestamp"
       FROM (
         SELECT * FROM system_metrics
         WHERE metric_name = $1 AND ($2::timestamptz IS NULL OR "timestamp" >= $2) AND ($3::timestamptz IS NULL OR "timestamp" < $3)
         ORDER BY "timestamp" DESC, id DESC LIMIT $4
       ) s ORDER BY s."timestamp", s.id`,
      [name, range.from ?? null, range.to ?? null, range.limit ?? 10_000],
    );
    return rows;
  }
}
