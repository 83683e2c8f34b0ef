// The model registry's storage. Activation is one transaction that locks the series' models; the
// partial unique index `models_one_active` (invariants migration) guarantees at most one active
// model per (ticker, timeframe) even across instances.
import type { Prisma, PrismaClient } from '../db/generated/client';

export type ModelRecord = Awaited<ReturnType<PrismaClient['model']['findUniqueOrThrow']>>;
export type NewModel = Prisma.ModelUncheckedCreateInput;

export class ModelRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(data: NewModel): Promise<ModelRecord> {
    return this.prisma.model.create({ data });
  }

  findById(id: string): Promise<ModelRecord | null> {
    return this.prisma.model.findUnique({ where: { id } });
  }

  findByIds(ids: readonly string[]): Promise<ModelRecord[]> {
    return this.prisma.model.findMany({ where: { id: { in: [...ids] } } });
  }

  findByNameVersion(name: string, version: string): Promise<ModelRecord | null> {
    return this.prisma.model.findUnique({ where: { name_version: { name, version } } });
  }

  /** The models registered as trained on a dataset version, newest first. */
  listByDataset(datasetId: string): Promise<ModelRecord[]> {
    return this.prisma.model.findMany({ where: { datasetId }, orderBy: [{ createdAt: 'desc' }, { name: 'asc' }] });
  }

  list(filter: { ticker?: string; timeframe?: string; active?: boolean } = {}): Promise<ModelRecord[]> {
    return this.prisma.model.findMany({
      where: { ticker: filter.ticker, timeframe: filter.timeframe, isActive: filter.active },
      orderBy: [{ ticker: 'asc' }, { timeframe: 'asc' }, { name: 'asc' }, { createdAt: 'desc' }],
    });
  }

  /**
   * Makes `id` the only active model for its (ticker, timeframe), in one transaction; null when
   * there is no such model. `previousId` is the model active before (`id` itself when it already
   * was, in which case nothing is written).
   */
  activate(id: string, at = new Date()): Promise<{ model: ModelRecord; previousId: string | null } | null> {
    return this.prisma.$transaction(async (tx) => {
      const target = await tx.model.findUnique({ where: { id } });
      if (!target) return null;
      // Row locks on the whole series make concurrent deploys of it run one after the other.
      const series = await tx.$queryRaw<Array<{ id: string; is_active: boolean }>>`
        SELECT id, is_active FROM models
        WHERE ticker IS NOT DISTINCT FROM ${target.ticker} AND timeframe IS NOT DISTINCT FROM ${target.timeframe}
        ORDER BY id FOR UPDATE`;
      const previousId = series.find((m) => m.is_active)?.id ?? null;
      if (previousId === id) return { model: await tx.model.findUniqueOrThrow({ where: { id } }), previousId };
      // Deactivate first: the unique index is checked per statement.
      await tx.model.updateMany({
        where: { id: { in: series.filter((m) => m.is_active).map((m) => m.id) } },
        data: { isActive: false, status: 'READY' },
      });
      const model = await tx.model.update({ where: { id }, data: { isActive: true, status: 'DEPLOYED', deployedAt: at } });
      return { model, previousId };
    });
  }
}
