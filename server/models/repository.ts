// The model registry's storage. Aliases (MLflow's word) name models of a series; `champion` is the
// active model. An alias move is one transaction under the series' advisory lock: the move, its
// append-only history row and its `model.deployed` event. The partial unique index
// `models_one_active` (invariants migration) still guarantees at most one active model per series.
import type pg from 'pg';
import type { Prisma, PrismaClient } from '../db/generated/client';
import { withTransaction } from '../db/transaction';
import type { EventRepository } from '../events/repository';

export type ModelRecord = Awaited<ReturnType<PrismaClient['model']['findUniqueOrThrow']>>;
export type NewModel = Prisma.ModelUncheckedCreateInput;

/** A series a model predicts; null ticker and timeframe: the generic models. */
export interface Series {
  ticker: string | null;
  timeframe: string | null;
}

/** Who moves an alias (an API key's name) and why. */
export interface MoveAuthor {
  actor: string;
  reason: string | null;
}

export interface AliasMove {
  moved: boolean;
  series: Series;
  alias: string;
  fromModelId: string | null;
  toModelId: string;
  action: 'deploy' | 'rollback';
}

export interface DeploymentRecord {
  id: string;
  ticker: string | null;
  timeframe: string | null;
  alias: string;
  fromModelId: string | null;
  toModelId: string;
  action: 'deploy' | 'rollback';
  actor: string;
  reason: string | null;
  createdAt: Date;
}

export class ModelRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
    private readonly events: EventRepository,
  ) {}

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
   * Points `alias` of the model's series at `modelId` and records the move; null when there is no such
   * model. Pointing an alias at the model it already names writes nothing (`moved: false`).
   */
  deploy(modelId: string, alias: string, by: MoveAuthor): Promise<AliasMove | null> {
    return withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<Series>('SELECT ticker, timeframe FROM models WHERE id = $1', [modelId]);
      const series = rows[0];
      if (!series) return null;
      await lockSeries(tx, series);
      const from = await aliasTarget(tx, series, alias);
      if (from === modelId) return { moved: false, series, alias, fromModelId: from, toModelId: modelId, action: 'deploy' };
      return this.move(tx, { series, alias, fromModelId: from, toModelId: modelId, action: 'deploy' }, by);
    });
  }

  /**
   * Gives the series' champion back to the model it replaced (the `from` of the latest champion move,
   * so a second rollback undoes the first); null when no recorded move made the current champion.
   */
  rollback(series: Series, by: MoveAuthor): Promise<AliasMove | null> {
    return withTransaction(this.pool, async (tx) => {
      await lockSeries(tx, series);
      const current = await aliasTarget(tx, series, CHAMPION);
      const { rows } = await tx.query<{ from: string | null; to: string }>(
        `SELECT from_model_id AS "from", to_model_id AS "to" FROM model_deployments
         WHERE ticker IS NOT DISTINCT FROM $1 AND timeframe IS NOT DISTINCT FROM $2 AND alias = $3
         ORDER BY id DESC LIMIT 1`,
        [series.ticker, series.timeframe, CHAMPION],
      );
      const last = rows[0];
      if (!current || !last?.from || last.to !== current) return null;
      return this.move(tx, { series, alias: CHAMPION, fromModelId: current, toModelId: last.from, action: 'rollback' }, by);
    });
  }

  /** Every alias of the models of a series (`champion` included), by alias name. */
  async aliases(series: Series): Promise<Array<{ alias: string; modelId: string }>> {
    const { rows } = await this.pool.query<{ alias: string; modelId: string }>(
      `SELECT $3::text AS alias, id AS "modelId" FROM models
       WHERE ticker IS NOT DISTINCT FROM $1 AND timeframe IS NOT DISTINCT FROM $2 AND is_active
       UNION ALL
       SELECT alias, model_id FROM model_aliases WHERE ticker IS NOT DISTINCT FROM $1 AND timeframe IS NOT DISTINCT FROM $2
       ORDER BY alias`,
      [series.ticker, series.timeframe, CHAMPION],
    );
    return rows;
  }

  /** The aliases naming each of `ids` (`champion` for an active model). */
  async aliasesOf(ids: readonly string[]): Promise<Map<string, string[]>> {
    const { rows } = await this.pool.query<{ modelId: string; alias: string }>(
      `SELECT id AS "modelId", $2::text AS alias FROM models WHERE id = ANY($1::uuid[]) AND is_active
       UNION ALL
       SELECT model_id, alias FROM model_aliases WHERE model_id = ANY($1::uuid[])
       ORDER BY alias`,
      [ids, CHAMPION],
    );
    const byModel = new Map<string, string[]>();
    for (const row of rows) byModel.set(row.modelId, [...(byModel.get(row.modelId) ?? []), row.alias]);
    return byModel;
  }

  /** The deployment history of a series, newest first. */
  async history(series: Series, limit: number): Promise<DeploymentRecord[]> {
    const { rows } = await this.pool.query<DeploymentRecord>(
      `SELECT id::text, ticker, timeframe, alias, from_model_id AS "fromModelId", to_model_id AS "toModelId", action, actor, reason, created_at AS "createdAt"
       FROM model_deployments
       WHERE ticker IS NOT DISTINCT FROM $1 AND timeframe IS NOT DISTINCT FROM $2
       ORDER BY model_deployments.id DESC LIMIT $3`,
      [series.ticker, series.timeframe, limit],
    );
    return rows;
  }

  /** Moves the alias, appends the history row and the `model.deployed` event, in the caller's transaction. */
  private async move(tx: pg.PoolClient, move: Omit<AliasMove, 'moved'>, by: MoveAuthor): Promise<AliasMove> {
    const { series, alias, fromModelId, toModelId, action } = move;
    if (alias === CHAMPION) {
      // Deactivate first: the unique index models_one_active is checked per statement.
      await tx.query(
        `UPDATE models SET is_active = false, status = 'READY', updated_at = now()
         WHERE ticker IS NOT DISTINCT FROM $1 AND timeframe IS NOT DISTINCT FROM $2 AND is_active`,
        [series.ticker, series.timeframe],
      );
      await tx.query(`UPDATE models SET is_active = true, status = 'DEPLOYED', deployed_at = now(), updated_at = now() WHERE id = $1`, [toModelId]);
    } else {
      const updated = await tx.query(
        `UPDATE model_aliases SET model_id = $4, updated_at = now()
         WHERE ticker IS NOT DISTINCT FROM $1 AND timeframe IS NOT DISTINCT FROM $2 AND alias = $3`,
        [series.ticker, series.timeframe, alias, toModelId],
      );
      if (updated.rowCount === 0) {
        await tx.query(`INSERT INTO model_aliases (id, ticker, timeframe, alias, model_id) VALUES (gen_random_uuid(), $1, $2, $3, $4)`, [
          series.ticker,
          series.timeframe,
          alias,
          toModelId,
        ]);
      }
    }
    await tx.query(
      `INSERT INTO model_deployments (ticker, timeframe, alias, from_model_id, to_model_id, action, actor, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [series.ticker, series.timeframe, alias, fromModelId, toModelId, action, by.actor, by.reason],
    );
    await this.events.appendInTransaction(tx, [
      { topic: 'model', name: 'model.deployed', ticker: series.ticker, timeframe: series.timeframe, payload: { alias, action, modelId: toModelId, previousModelId: fromModelId } },
    ]);
    return { moved: true, ...move };
  }
}

/** The alias the series' active model holds. */
const CHAMPION = 'champion';

/** Advisory locks of this module, two-int form: its namespace ("QMOD"), then the series' hash. */
const SERIES_LOCK_NAMESPACE = 0x514d_4f44;

/** Serialises alias moves of one series until the transaction ends, across instances. */
async function lockSeries(tx: pg.PoolClient, series: Series): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext(coalesce($2::text, '') || '/' || coalesce($3::text, '')))`, [SERIES_LOCK_NAMESPACE, series.ticker, series.timeframe]);
}

async function aliasTarget(tx: pg.PoolClient, series: Series, alias: string): Promise<string | null> {
  const { rows } =
    alias === CHAMPION
      ? await tx.query<{ id: string }>('SELECT id FROM models WHERE ticker IS NOT DISTINCT FROM $1 AND timeframe IS NOT DISTINCT FROM $2 AND is_active', [series.ticker, series.timeframe])
      : await tx.query<{ id: string }>('SELECT model_id AS id FROM model_aliases WHERE ticker IS NOT DISTINCT FROM $1 AND timeframe IS NOT DISTINCT FROM $2 AND alias = $3', [
          series.ticker,
          series.timeframe,
          alias,
        ]);
  return rows[0]?.id ?? null;
}
