// Training datasets over real HTTP against the real database: every format read back by an
// independent reader (apache-arrow's tableFromIPC, DuckDB's Parquet reader) equals the CSV rows;
// features never look ahead; saved versions hash their rows stably; models name the dataset they
// were trained on; bad input is a 400 naming the field.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateBars, DEMO_TICKERS, sessionsBetween, simulateMinuteBars } from '../demo/market-simulator';
import type { Bar } from '../market-data/schema';
import { readJson, startTestServer, type TestServer } from '../testing/http';

let server: TestServer;
let key: string;
let readOnlyKey: string;

const FEATURES = ['sma_20', 'rsi_14', 'macd_hist', 'wma_20', 'return_5', 'vwap_distance'];
/** Daily bars from simulated minutes, 2024-01-02 .. 2025-02-28 (~290 sessions) per ticker. */
const daily = (ticker: string, seed: number): Bar[] =>
  aggregateBars(simulateMinuteBars({ ...DEMO_TICKERS[0]!, ticker }, sessionsBetween('2024-01-02', '2025-02-28'), seed), '1d');
const bars = { SPY: daily('SPY', 3), QQQ: daily('QQQ', 4) };

async function store(list: Bar[]) {
  await server.services.marketData.upsertBars(list);
  for (const ticker of new Set(list.map((b) => b.ticker))) await server.services.features.computeFeatures({ ticker, timeframe: '1d', full: true });
}

beforeAll(async () => {
  server = await startTestServer();
  key = await server.key(['market:read', 'models:write', 'predictions:read']);
  readOnlyKey = await server.key(['predictions:read'], 'no-market');
  // The last 20 sessions stay back: the look-ahead test appends them later.
  await store([...bars.SPY.slice(0, -20), ...bars.QQQ.slice(0, -20)]);
}, 60_000);
afterAll(() => server.close());

const BASE = `ticker=SPY,QQQ&timeframe=1d&from=2024-03-01&to=2025-03-01&features=${FEATURES.join(',')}&horizon=2&split=2024-09-03,2024-12-02`;

const get = (pathAndQuery: string, as = key) => fetch(`${server.url}/api/${pathAndQuery}`, { headers: { authorization: `Bearer ${as}` } });
const post = (pathAndQuery: string, body: unknown) =>
  fetch(`${server.url}/api/${pathAndQuery}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function download(query: string, format: string): Promise<{ res: Response; bytes: Buffer }> {
  const res = await get(`datasets/export?${query}&format=${format}`);
  expect(res.status, await res.clone().text().then((t) => t.slice(0, 300))).toBe(200);
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

type Cell = string | number | null;
/** [ticker, ms, ...features, label, split] */
type Row = Cell[];

function csvRows(text: string): { header: string[]; rows: Row[] } {
  const [header, ...lines] = text.trimEnd().split('\n');
  const names = header!.split(',');
  return {
    header: names,
    rows: lines.map((line) =>
      line.split(',').map((cell, i) => {
        const name = names[i]!;
        if (name === 'ticker' || name === 'split') return cell;
        if (name === 'timestamp') return Date.parse(cell);
        if (cell === '') return null;
        return Number.isNaN(Number(cell)) ? cell : Number(cell);
      }),
    ),
  };
}

const jsonlRows = (text: string): Row[] =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const o = JSON.parse(line) as Record<string, Cell>;
      return [o.ticker!, Date.parse(o.timestamp as string), ...FEATURES.map((f) => o[f]!), o.label!, o.split!];
    });

function arrowRows(bytes: Buffer): Row[] {
  const table = tableFromIPC(bytes);
  expect(table.schema.fields.map((f) => f.name)).toEqual(['ticker', 'timestamp', ...FEATURES, 'label', 'split']);
  expect(String(table.schema.fields[1]!.type)).toBe('Timestamp<MILLISECOND, UTC>');
  return table.toArray().map((r: Record<string, unknown>) => {
    const row = r as Record<string, Cell | bigint>;
    return [row.ticker as string, Number(row.timestamp), ...FEATURES.map((f) => row[f] as number | null), row.label as Cell, row.split as string];
  });
}

async function parquetRows(bytes: Buffer): Promise<Row[]> {
  const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'qb-parquet-')), 'dataset.parquet');
  await fs.writeFile(file, bytes);
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  try {
    const types = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjects();
    expect(types.map((t) => [t.column_name, t.column_type])).toEqual([
      ['ticker', 'VARCHAR'],
      ['timestamp', 'TIMESTAMP WITH TIME ZONE'],
      ...FEATURES.map((f) => [f, 'DOUBLE']),
      ['label', expect.any(String)],
      ['split', 'VARCHAR'],
    ]);
    const result = await connection.runAndReadAll(`SELECT * REPLACE (epoch_ms("timestamp") AS "timestamp") FROM read_parquet('${file}')`);
    return result.getRows().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : (v as Cell))));
  } finally {
    connection.closeSync();
    duck.closeSync();
    await fs.rm(path.dirname(file), { recursive: true });
  }
}

describe('GET /api/datasets/export', () => {
  it('serves the same rows as CSV, JSON Lines, Arrow (read by tableFromIPC) and Parquet (read by DuckDB)', async () => {
    const csv = await download(BASE, 'csv');
    expect(csv.res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.res.headers.get('content-disposition')).toBe('attachment; filename="QQQ-SPY_1d_2024-03-01_2025-03-01.csv"');
    const { header, rows } = csvRows(csv.bytes.toString('utf8'));
    expect(header).toEqual(['ticker', 'timestamp', ...FEATURES, 'label', 'split']);
    expect(rows.length).toBeGreaterThan(300);
    // Tickers in order, each oldest first; all three splits present.
    expect(rows[0]![0]).toBe('QQQ');
    expect(rows.at(-1)![0]).toBe('SPY');
    expect(new Set(rows.map((r) => r.at(-1)))).toEqual(new Set(['train', 'validation', 'test']));

    const jsonl = await download(BASE, 'jsonl');
    expect(jsonl.res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(jsonlRows(jsonl.bytes.toString('utf8'))).toEqual(rows);

    const arrow = await download(BASE, 'arrow');
    expect(arrow.res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    expect(arrow.res.headers.get('content-disposition')).toMatch(/filename="QQQ-SPY_1d_2024-03-01_2025-03-01\.arrows"/);
    expect(arrowRows(arrow.bytes)).toEqual(rows);

    const parquet = await download(BASE, 'parquet');
    expect(parquet.res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(await parquetRows(parquet.bytes)).toEqual(rows);
  });

  it('labels by direction in every format alike', async () => {
    const query = `${BASE}&label=direction&neutralBand=0.002`;
    const { rows } = csvRows((await download(query, 'csv')).bytes.toString('utf8'));
    expect(new Set(rows.map((r) => r.at(-2)))).toEqual(new Set(['UP', 'DOWN', 'NEUTRAL']));
    expect(arrowRows((await download(query, 'arrow')).bytes)).toEqual(rows);
    expect(await parquetRows((await download(query, 'parquet')).bytes)).toEqual(rows);
  });

  it('features are the stored ones of bar t, and labels come from bar t + horizon', async () => {
    const { rows } = csvRows((await download(`ticker=SPY&timeframe=1d&from=2024-06-03&to=2024-07-01&features=sma_20,rsi_14&horizon=2&split=0.99,0.995`, 'csv')).bytes.toString('utf8'));
    const stored = await server.services.features.getFeatures({ ticker: 'SPY', timeframe: '1d', columns: ['sma_20', 'rsi_14'], from: new Date('2024-06-03'), to: new Date('2024-07-01'), limit: 1000 });
    const spy = bars.SPY.filter((b) => b.timestamp >= new Date('2024-06-03') && b.timestamp < new Date('2024-07-01'));
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) {
      const t = spy.findIndex((b) => b.timestamp.getTime() === row[1]);
      const feature = stored.find((f) => Date.parse(f.timestamp) === row[1])!;
      expect(row.slice(2, 4)).toEqual([feature.sma_20, feature.rsi_14]);
      expect(row[4]).toBe(spy[t + 2]!.close / spy[t]!.close - 1);
    }
  });

  it('no row changes when future bars are appended and features recomputed', async () => {
    const query = `ticker=SPY,QQQ&timeframe=1d&from=2024-03-01&to=2025-03-01&features=${FEATURES.join(',')}&horizon=2&split=2024-09-03,2024-12-02`;
    const before = csvRows((await download(query, 'csv')).bytes.toString('utf8')).rows;
    await store([...bars.SPY.slice(-20), ...bars.QQQ.slice(-20)]);
    const after = csvRows((await download(query, 'csv')).bytes.toString('utf8')).rows;
    expect(after.length).toBe(before.length + 2 * 20);
    const key = (r: Row) => `${r[0]}|${r[1]}`;
    const afterByKey = new Map(after.map((r) => [key(r), r]));
    for (const row of before) expect(afterByKey.get(key(row))).toEqual(row);
  });

  it('answers bad input with 400 naming the field, and checks the key and its scope', async () => {
    const cases: Array<[string, string]> = [
      ['timeframe=1d&from=2024-03-01&to=2025-03-01&features=sma_20', 'ticker'],
      ['ticker=SPY&timeframe=1d&from=2024-03-01&to=2025-03-01&features=sma_20,not_a_feature', 'features'],
      ['ticker=SPY&timeframe=1d&from=2024-03-01&to=2025-03-01', 'features'],
      ['ticker=SPY&timeframe=2d&from=2024-03-01&to=2025-03-01&features=sma_20', 'timeframe'],
      ['ticker=SPY&timeframe=1d&from=2025-03-01&to=2024-03-01&features=sma_20', 'to'],
      ['ticker=SPY&timeframe=1d&from=2024-03-01&to=2025-03-01&features=sma_20&split=0.9,0.5', 'split'],
      ['ticker=SPY&timeframe=1d&from=2024-03-01&to=2025-03-01&features=sma_20&split=0.5', 'split'],
      ['ticker=SPY&timeframe=1d&from=2024-03-01&to=2025-03-01&features=sma_20&horizon=0', 'horizon'],
      ['ticker=SPY&timeframe=1d&from=2024-03-01&to=2025-03-01&features=sma_20&label=price', 'label'],
      ['ticker=SPY&timeframe=1d&from=2024-03-01&to=2025-03-01&features=sma_20&format=xlsx', 'format'],
      ['ticker=SPY&timeframe=1d&from=yesterday&to=2025-03-01&features=sma_20', 'from'],
    ];
    for (const [query, field] of cases) {
      const res = await get(`datasets/export?${query}`);
      expect(res.status, query).toBe(400);
      const body = await readJson(res);
      expect(body, query).toMatchObject({ success: false, error: 'Invalid input' });
      expect(body.details.map((d: { path: string }) => d.path), query).toContain(field);
    }
    expect((await fetch(`${server.url}/api/datasets/export?${BASE}`)).status).toBe(401);
    const forbidden = await get(`datasets/export?${BASE}`, readOnlyKey);
    expect(forbidden.status).toBe(403);
    expect(await readJson(forbidden)).toMatchObject({ success: false, error: 'This key lacks the "market:read" scope' });
  });

  it('a client leaving mid-file ends the COPY and frees its database connection', async () => {
    // 60,000 minute bars without feature rows: ~12 MB of JSON Lines, more than the socket buffers hold.
    const t0 = Date.UTC(2025, 0, 2, 14, 30);
    const minutes = Array.from({ length: 60_000 }, (_, i): Bar => ({ ticker: 'CUT', timeframe: '1m', timestamp: new Date(t0 + i * 60_000), open: 10, high: 11, low: 9, close: 10 + (i % 5) / 10, volume: 1 }));
    await server.services.marketData.upsertBars(minutes);
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/datasets/export?ticker=CUT&timeframe=1m&from=2025-01-01&to=2026-01-01&features=${FEATURES.join(',')}&format=jsonl`, {
      headers: { authorization: `Bearer ${key}` },
      signal: controller.signal,
    });
    const body = res.body!.getReader();
    await body.read(); // the file has started
    controller.abort();
    await expect(body.read()).rejects.toThrow();
    const pool = server.db.pool;
    // Still running, that is: idle pooled connections keep their last query (an earlier export's COPY) on show.
    const copies = async () =>
      (await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY (SELECT%' AND pid <> pg_backend_pid()`)).rows[0].n;
    await expect.poll(copies, { timeout: 5000 }).toBe(0);
    await expect.poll(() => pool.totalCount - pool.idleCount, { timeout: 5000 }).toBe(0);
    expect((await get(`datasets/export?${BASE}&format=csv`)).status).toBe(200); // and the server goes on serving
  });

  it('is in the OpenAPI document', async () => {
    const doc = await readJson(await fetch(`${server.url}/api/openapi.json`));
    const operation = doc.paths['/datasets/export'].get;
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(['ticker', 'timeframe', 'from', 'to', 'features', 'label', 'horizon', 'neutralBand', 'split', 'format']);
    expect(Object.keys(operation.responses[200].content)).toEqual(['application/vnd.apache.arrow.stream', 'application/vnd.apache.parquet', 'text/csv', 'application/x-ndjson']);
  });
});

describe('dataset versions and lineage', () => {
  const definition = { ticker: 'SPY,QQQ', timeframe: '1d', from: '2024-03-01', to: '2025-01-01', features: FEATURES, horizon: 1, label: 'direction' };

  it('saves a version whose hash is the sha256 of the CSV export, stable across re-exports, new when a bar is corrected', async () => {
    const first = await readJson(await post('datasets', { name: 'spy-qqq-daily', ...definition }));
    expect(first).toMatchObject({ success: true, created: true, dataset: { name: 'spy-qqq-daily', version: 1 } });
    const { dataset } = first;
    expect(dataset.counts.rows.train + dataset.counts.rows.validation + dataset.counts.rows.test).toBeGreaterThan(300);
    expect(dataset.definition).toMatchObject({ ticker: ['QQQ', 'SPY'], features: FEATURES, label: 'direction', horizon: 1 });

    // The hash is the CSV export's, and the same export again gives the same bytes.
    for (let i = 0; i < 2; i++) {
      const csv = await download(dataset.exportQuery, 'csv');
      expect(crypto.createHash('sha256').update(csv.bytes).digest('hex')).toBe(dataset.contentHash);
    }
    // Saving unchanged data again is a retry: the same version comes back.
    const again = await readJson(await post('datasets', { name: 'spy-qqq-daily', ...dataset.definition }));
    expect(again).toMatchObject({ created: false, dataset: { id: dataset.id, version: 1, contentHash: dataset.contentHash } });

    // Correct one bar (its close), recompute features: a new version with another hash.
    const bar = bars.SPY.find((b) => b.timestamp >= new Date('2024-07-01'))!;
    await store([{ ...bar, close: bar.low }]);
    const corrected = await readJson(await post('datasets', { name: 'spy-qqq-daily', ...definition }));
    expect(corrected).toMatchObject({ created: true, dataset: { version: 2 } });
    expect(corrected.dataset.contentHash).not.toBe(dataset.contentHash);
    await store([bar]);

    const list = await readJson(await get('datasets?name=spy-qqq-daily'));
    expect(list.datasets.map((d: { version: number }) => d.version)).toEqual([2, 1]);
  });

  it('links a model to the dataset it was trained on, both ways', async () => {
    const { dataset } = await readJson(await post('datasets', { name: 'lineage', ...definition, features: 'rsi_14' }));
    const registered = await readJson(
      await post('models', { name: 'xgb-direction', version: '1.0.0', algorithm: 'xgboost', ticker: 'SPY', timeframe: '1d', datasetId: dataset.id }),
    );
    expect(registered.model.datasetId).toBe(dataset.id);
    const detail = await readJson(await get(`models/${registered.model.id}`));
    expect(detail.model.dataset).toEqual({ id: dataset.id, name: 'lineage', version: 1, contentHash: dataset.contentHash });
    const withModels = await readJson(await get(`datasets/${dataset.id}`));
    expect(withModels.dataset.models).toEqual([expect.objectContaining({ id: registered.model.id, name: 'xgb-direction', version: '1.0.0', algorithm: 'xgboost' })]);

    const unknown = await post('models', { name: 'xgb-direction', version: '2.0.0', algorithm: 'xgboost', datasetId: crypto.randomUUID() });
    expect(unknown.status).toBe(400);
    expect((await readJson(unknown)).details).toEqual([expect.objectContaining({ path: 'datasetId' })]);
    expect((await get(`datasets/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it('previews the first rows with every row counted', async () => {
    const res = await get(`datasets/preview?${BASE}&limit=5`);
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body.columns).toEqual(['ticker', 'timestamp', ...FEATURES, 'label', 'split']);
    expect(body.rows).toHaveLength(5);
    const { rows } = csvRows((await download(BASE, 'csv')).bytes.toString('utf8'));
    expect(body.counts.rows.train + body.counts.rows.validation + body.counts.rows.test).toBe(rows.length);
    expect(body.rows.map((r: Record<string, Cell>) => [r.ticker, Date.parse(r.timestamp as string), ...FEATURES.map((f) => r[f]), r.label, r.split])).toEqual(rows.slice(0, 5));
    const { noHorizon, purged, embargoed } = body.counts.dropped;
    expect([noHorizon, purged, embargoed]).toEqual([4, 8, 8]); // 2 tickers x horizon 2 at the end and at each of 2 boundaries
    expect((await get(`datasets/preview?${BASE}&limit=500`)).status).toBe(400);
  });
});
