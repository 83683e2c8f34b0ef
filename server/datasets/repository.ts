// SQL for training datasets. Rows: one binary COPY per series joining bars and their stored
// features on the primary key, decoded while it streams (heavy reads: the pool is injected, so it
// can be a read replica's). Versions: the `datasets` table through Prisma, one transaction per save
// holding the name's advisory lock, so concurrent saves of one name get distinct version numbers.
import type { Prisma, PrismaClient } from '../db/generated/client';
import { copyOutBinary } from '../db/copy-out';
import type { ReadPool } from '../db/read-router';
import { featureValueSql } from '../features/repository';
import { sqlLiteral } from '../shared/sql';
import type { SeriesColumns } from './pipeline';
import { decodeSeriesCopy } from './row-copy';
import type { DatasetDefinition } from './schema';

/**
 * The rows of one series for a definition: bar time, close and the selected features (NULL when
 * the bar has no feature row yet), oldest first. Also what the benchmark COPYs as its baseline.
 */
export function seriesQuery(ticker: string, definition: Pick<DatasetDefinition, 'timeframe' | 'from' | 'to' | 'features'>): string {
  const features = definition.features.map((key) => `, ${featureValueSql(key, 'f')}`).join('');
  return `SELECT m."timestamp", m.close${features}
          FROM market_data m
          LEFT JOIN features f ON f.ticker = m.ticker AND f.timeframe = m.timeframe AND f."timestamp" = m."timestamp"
          WHERE m.ticker = ${sqlLiteral(ticker)} AND m.timeframe = ${sqlLiteral(definition.timeframe)}
            AND m."timestamp" >= ${sqlLiteral(definition.from.toISOString())} AND m."timestamp" < ${sqlLiteral(definition.to.toISOString())}
          ORDER BY m."timestamp"`;
}

export class DatasetRowRepository {
  constructor(private readonly pool: ReadPool) {}

  /** seriesQuery's rows as column batches, decoded as PostgreSQL sends them. */
  streamSeries(ticker: string, definition: DatasetDefinition): AsyncGenerator<SeriesColumns> {
    return decodeSeriesCopy(copyOutBinary(this.pool, seriesQuery(ticker, definition)), definition.features.length);
  }

  /** Bars in the definition's range, over all its tickers (a progress bar's total). */
  async countBars(definition: Pick<DatasetDefinition, 'ticker' | 'timeframe' | 'from' | 'to'>): Promise<number> {
    const { rows } = await this.pool.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM market_data WHERE ticker = ANY($1) AND timeframe = $2 AND "timestamp" >= $3 AND "timestamp" < $4`,
      [definition.ticker, definition.timeframe, definition.from, definition.to],
    );
    return rows[0]!.count;
  }
}

export type DatasetRecord = Awaited<ReturnType<PrismaClient['dataset']['findUniqueOrThrow']>>;
type NewDataset = Omit<Prisma.DatasetUncheckedCreateInput, 'id' | 'version' | 'createdAt'>;

/** Lock namespace for pg_advisory_xact_lock(int, int): "DSET". */
const DATASET_LOCK_NAMESPACE = 0x44534554;

export class DatasetRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Saves the next version of `data.name`, unless the name already has a version with the same
   * content hash: then that one is returned (`created: false`), so a retried save changes nothing.
   */
  saveVersion(data: NewDataset): Promise<{ dataset: DatasetRecord; created: boolean }> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${DATASET_LOCK_NAMESPACE}::int, hashtext(${data.name}))`;
      const same = await tx.dataset.findUnique({ where: { name_contentHash: { name: data.name, contentHash: data.contentHash } } });
      if (same) return { dataset: same, created: false };
      const latest = await tx.dataset.findFirst({ where: { name: data.name }, orderBy: { version: 'desc' }, select: { version: true } });
      const dataset = await tx.dataset.create({ data: { ...data, version: (latest?.version ?? 0) + 1 } });
      return { dataset, created: true };
    });
  }

  findById(id: string): Promise<DatasetRecord | null> {
    return this.prisma.dataset.findUnique({ where: { id } });
  }

  /** Newest first. */
  list(filter: { name?: string } = {}): Promise<DatasetRecord[]> {
    return this.prisma.dataset.findMany({ where: { name: filter.name }, orderBy: [{ createdAt: 'desc' }, { version: 'desc' }] });
  }
}
