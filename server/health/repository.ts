// SQL behind the health report.
import type pg from 'pg';

const COUNTED_TABLES = [
  'market_data',
  'features',
  'predictions',
  'models',
  'trades',
  'portfolio',
  'data_ingestion_logs',
  'system_metrics',
  'api_keys',
] as const;
export type CountedTable = (typeof COUNTED_TABLES)[number];

export class HealthRepository {
  constructor(private readonly pool: pg.Pool) {}

  async serverVersion(): Promise<string> {
    const { rows } = await this.pool.query<{ version: string }>(`SELECT current_setting('server_version') AS version`);
    return rows[0]!.version;
  }

  /** Exact counts in one round trip (names come from the constant list above, never from input). */
  async rowCounts(): Promise<Record<CountedTable, number>> {
    const sql = `SELECT ${COUNTED_TABLES.map((t) => `(SELECT count(*) FROM "${t}")::int AS "${t}"`).join(', ')}`;
    const { rows } = await this.pool.query<Record<CountedTable, number>>(sql);
    return rows[0]!;
  }

  async isEmpty(): Promise<boolean> {
    const { rows } = await this.pool.query<{ empty: boolean }>(
      `SELECT NOT EXISTS (SELECT 1 FROM market_data) AND NOT EXISTS (SELECT 1 FROM models) AS empty`,
    );
    return rows[0]!.empty;
  }
}
