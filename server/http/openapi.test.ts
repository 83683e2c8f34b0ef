// The OpenAPI document is what bot authors build on: it must validate, lint clean, and generate a
// typed client that really talks to the server.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketDataRepository } from '../market-data/repository';
import { readJson, startTestServer, type TestServer } from '../testing/http';
import { openApiDocument } from './app';

const ROOT = path.resolve(import.meta.dirname, '../..');
let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  await new MarketDataRepository(server.db.pool).upsertBars(
    [0, 1, 2].map((i) => ({ ticker: 'SPY', timeframe: '1d' as const, timestamp: new Date(Date.UTC(2025, 0, 6 + i, 5)), open: 10, high: 11, low: 9, close: 10 + i / 2, volume: 100 })),
  );
  // Inside the repository so the generated client resolves openapi-fetch from node_modules.
  await fs.mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  dir = await fs.mkdtemp(path.join(ROOT, 'test-results', 'openapi-client-'));
});
afterAll(async () => {
  await server.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('OpenAPI document', () => {
  it('is served at /api/openapi.json and validates as OpenAPI 3.1', async () => {
    const served = await readJson(await fetch(`${server.url}/api/openapi.json`));
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    expect(served.openapi).toMatch(/^3\.1/);
    await expect(SwaggerParser.validate(structuredClone(served))).resolves.toBeTruthy();
    expect(Object.keys(served.paths)).toEqual(expect.arrayContaining(['/health', '/market-data', '/market-data/bulk']));
  });

  it('lints clean with redocly (recommended rules)', async () => {
    const config = await createConfig({ extends: ['recommended'], rules: { 'info-license': 'off', 'no-server-example.com': 'off' } });
    const problems = await lintFromString({ source: JSON.stringify(openApiDocument), absoluteRef: 'openapi.json', config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} @ ${p.location[0]?.pointer}`)).toEqual([]);
  });

  it('generates a typed client (openapi-typescript + openapi-fetch) that type-checks and calls two routes', async () => {
    const types = astToString(await openapiTS(structuredClone(openApiDocument) as never));
    await fs.writeFile(path.join(dir, 'api.d.ts'), types);
    await fs.writeFile(
      path.join(dir, 'client.ts'),
      `import createClient from 'openapi-fetch';
import type { paths } from './api';

export async function run(baseUrl: string, key: string) {
  const client = createClient<paths>({ baseUrl: baseUrl + '/api', headers: { authorization: 'Bearer ' + key } });
  const health = await client.GET('/health');
  const bars = await client.GET('/market-data', { params: { query: { ticker: 'SPY', timeframe: '1d', limit: 2 } } });
  const status: 'ok' | 'degraded' | undefined = health.data?.status;
  const closes: number[] = bars.data?.data.map((bar) => bar.close) ?? [];
  return { status, closes, count: bars.data?.count };
}
`,
    );
    await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--skipLibCheck', '--lib', 'es2022,dom', path.join(dir, 'client.ts')],
      { cwd: ROOT },
    );
    const { run } = (await import(path.join(dir, 'client.ts'))) as { run: (url: string, key: string) => Promise<unknown> };
    expect(await run(server.url, await server.key(['market:read']))).toEqual({ status: 'ok', closes: [10.5, 11], count: 2 });
  });
});
