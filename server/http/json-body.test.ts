// JSON bodies the server cannot take are client errors on both transports: nested past
// MAX_JSON_DEPTH (10,000 levels used to overflow the stack in the REST adapter: a 500), in a
// charset other than UTF-8, or compressed wrongly (both used to reach the error mapper as 500s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../shared/limits';
import { readJson, startTestServer, type TestServer } from '../testing/http';

let server: TestServer;
let key: string;

beforeAll(async () => {
  server = await startTestServer();
  key = await server.key(['models:write']);
});
afterAll(() => server.close());

/** A model registration whose hyperparameters hold `levels` nested objects, as JSON text. */
const registration = (name: string, levels: number) =>
  `{"name":"${name}","version":"1.0.0","algorithm":"lstm","hyperparameters":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`;
const post = (path: string, body: string) =>
  fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
const models = async () => (await server.db.pool.query<{ name: string }>('SELECT name FROM models ORDER BY name')).rows.map((r) => r.name);

describe('JSON body depth', () => {
  it('refuses a body nested 10,000 deep with a 400 over REST and tRPC, storing nothing', async () => {
    const rest = await post('/api/models', registration('deep-rest', 10_000));
    expect(rest.status).toBe(400);
    expect(await readJson(rest)).toEqual({ success: false, error: `JSON body nested deeper than ${MAX_JSON_DEPTH} levels` });
    const trpc = await post('/trpc/models.register', `{"json":${registration('deep-trpc', 10_000)}}`);
    expect(trpc.status).toBe(400);
    expect(await models()).toEqual([]);
  });

  it('takes a body exactly MAX_JSON_DEPTH deep and refuses one level more', async () => {
    // The body is level 1 and hyperparameters level 2, so MAX_JSON_DEPTH - 1 nested objects fill it.
    expect((await post('/api/models', registration('deepest', MAX_JSON_DEPTH - 1))).status).toBe(200);
    expect((await post('/api/models', registration('too-deep', MAX_JSON_DEPTH))).status).toBe(400);
    expect(await models()).toEqual(['deepest']);
  });
});

describe('JSON body encoding', () => {
  const send = (path: string, headers: Record<string, string>, body: string) =>
    fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body });

  it('answers an unsupported charset or content encoding with 415, and a body that is not what its encoding says with 400', async () => {
    for (const path of ['/api/models', '/trpc/models.register']) {
      const body = registration(`encoded-${path.length}`, 1);
      const latin1 = await send(path, { 'content-type': 'application/json; charset=latin1' }, body);
      expect([latin1.status, await readJson(latin1)]).toEqual([415, { success: false, error: 'unsupported charset "LATIN1"' }]);
      expect((await send(path, { 'content-encoding': 'x-unknown' }, body)).status).toBe(415);
      expect((await send(path, { 'content-encoding': 'gzip' }, body)).status).toBe(400);
    }
    expect(await models()).toEqual(['deepest']);
  });
});
