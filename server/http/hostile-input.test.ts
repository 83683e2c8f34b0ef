// Hostile input swept over every REST operation of the OpenAPI document the app serves (fast-check).
// Each operation gets a valid-looking request built from its schemas, then one hostile change:
// wrong types, out-of-range and non-finite numbers, injection strings, awkward unicode, missing and
// extra fields, prototype-pollution keys, deep and huge JSON, malformed bodies, wrong content types,
// bad path and query values, missing or invalid keys. The rule: never a 5xx, every 4xx a JSON error
// body, and no rejected request (nor any read) changes any table of the public schema. Rerun a
// failure with the seed it prints: HOSTILE_SEED=<seed> npx vitest run server/http/hostile-input.test.ts
// (HOSTILE_RUNS sets the cases per operation).
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketDataRepository } from '../market-data/repository';
import { readJson, startTestServer, type TestServer } from '../testing/http';
import { openApiDocument } from './app';

const SEED = Number(process.env.HOSTILE_SEED ?? 20261207);
const RUNS_PER_OPERATION = Number(process.env.HOSTILE_RUNS ?? 80);
const BODY_LIMIT_BYTES = 64 * 1024;

// ---- the operations, from the served OpenAPI document --------------------------------------------

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  format?: string;
}

interface Parameter {
  in: 'query' | 'path';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: JsonSchema | null;
}

function operationsOf(document: {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
}): Operation[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema ?? null,
    })),
  );
}

// ---- valid-looking values from a schema ---------------------------------------------------------

const T0 = Date.UTC(2025, 0, 2, 5); // the seeded daily bars start here
const DAY = 86_400_000;

/** Ids and values that make a request reach past "not found" into the code behind it. */
interface Known {
  modelId: string;
}

/**
 * Values of `name` that the schema accepts (or nearly: cross-field rules are not modelled),
 * optional fields included at random, so that each hostile change lands in a different request.
 */
function validValues(schema: JsonSchema, name: string, known: Known): fc.Arbitrary<unknown> {
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return fc.oneof(...options.map((o) => validValues(o, name, known)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length > 1) return fc.oneof(...types.map((type) => validValues({ ...schema, type }, name, known)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1000, (schema.exclusiveMinimum ?? -Infinity) + 1),
        max: Math.min(schema.maximum ?? 100_000, 2 ** 31 - 1),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? schema.exclusiveMinimum ?? -1000,
        max: schema.maximum ?? 100_000,
        minExcluded: schema.exclusiveMinimum !== undefined,
        noNaN: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValues(schema.items ?? {}, name, known), {
        minLength: Math.max(1, schema.minItems ?? 1),
        maxLength: Math.max(1, schema.minItems ?? 1) + 2,
      });
    case 'object':
      if (!schema.properties) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      return fc.record(Object.fromEntries(Object.entries(schema.properties).map(([key, property]) => [key, validValues(property, key, known)])), {
        requiredKeys: schema.required ?? [],
      });
    default:
      return validStrings(schema, name, known);
  }
}

const dates = (from: number, to: number) => fc.integer({ min: from, max: to }).map((ms) => new Date(ms).toISOString());

function validStrings(schema: JsonSchema, name: string, known: Known): fc.Arbitrary<string> {
  if (name === 'modelId' || (name === 'id' && schema.format === 'uuid')) return fc.constant(known.modelId);
  if (schema.format === 'uuid') return fc.uuid();
  if (/ticker/i.test(name)) return fc.constantFrom('SPY', 'spy', 'QQQ', 'SPY,QQQ', 'BRK.B');
  if (/^(features|columns)$/.test(name)) return fc.constantFrom('sma_20', 'rsi_14', 'sma_20,rsi_14');
  if (/^(from|trainingDataFrom|predictionTime|timestamp)$/.test(name)) return dates(T0, T0 + 30 * DAY);
  if (/^(to|trainingDataTo|targetTime|endDate)$/.test(name)) return dates(T0 + 31 * DAY, T0 + 90 * DAY);
  if (/At$/.test(name) || schema.format === 'date-time') return dates(T0, T0 + 90 * DAY);
  return fc.constantFrom(`hostile-${name}`, `${name}-2`);
}

// ---- hostile values -----------------------------------------------------------------------------

/** JSON text put into a body as is: numbers JSON.stringify cannot write, nesting, duplicate keys. */
class RawJson {
  constructor(readonly text: string) {}
}

const DEEP = 10_000;
const INJECTIONS = [
  "'; DROP TABLE market_data; --",
  "' OR '1'='1",
  '1; SELECT pg_sleep(5)',
  '"); DELETE FROM trades; --',
  '$1',
  '%00',
  'SPY\u0000',
  '\u0000',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}${7*7}',
  '\u202Eevil\u202C',
  '\u05D0\u05D1\u05D2 RTL \u0627\u0644\u0639\u0631\u0628\u064A\u0629',
  '\uD83D\uDCA9\uD83D\uDE00\u200D\uD83D\uDCBB',
  'e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301',
  '\uD800',
  '\uDFFF lone',
  '\uFEFF',
  '\r\nX-Injected: 1',
  '',
  ' ',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '1e999',
  '0x1F',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'x'.repeat(10_000),
  'SPY,'.repeat(2_000),
  '2025-02-30T25:61:61Z',
  '275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00.000Z',
  '0000-00-00',
  '99999-01-01',
];

const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 1e-320, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, Number.MAX_VALUE),
  fc.constantFrom(new RawJson('1e999'), new RawJson('-1e999'), new RawJson('1E400'), new RawJson('-0.0e-0'), new RawJson('123456789012345678901234567890')),
  fc.double(),
  fc.integer(),
);

const pollution = fc.constantFrom(
  new RawJson('{"__proto__":{"polluted":"yes","isAdmin":true}}'),
  new RawJson('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  new RawJson('{"__proto__":[]}'),
  new RawJson('{"a":1,"a":{"__proto__":{"polluted":"yes"}}}'),
);

const deepJson = fc.constantFrom(new RawJson('['.repeat(DEEP) + ']'.repeat(DEEP)), new RawJson('{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP)));

const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: hostileString },
    { weight: 3, arbitrary: hostileNumber },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
    { weight: 1, arbitrary: pollution },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(hostileKey(), tie('value'), { maxKeys: 3 }) },
  ),
})).value;

function hostileKey(): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '$where', '', 'polluted'), hostileString);
}

/** JSON text of a value that may hold RawJson tokens and own `__proto__` keys. */
function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${Array.from(value, (v) => (v === undefined ? 'null' : toJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Every path to a value inside a JSON tree (objects and arrays), the root excluded. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object' || value instanceof RawJson) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = [...prefix, Array.isArray(value) ? Number(k) : k];
    return [path, ...pathsOf(v, path)];
  });
}

/** A deep copy with the value at `path` replaced (`undefined` removes it); keys are set as own properties. */
function withValue(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<string | number, unknown>;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const next = withValue(copy[head], rest, replacement);
  if (next === undefined && !Array.isArray(copy)) delete copy[head];
  else Object.defineProperty(copy, head, { value: next, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Bytes of a string, percent-encoded for a URL (lone surrogates become U+FFFD, as in UTF-8 on the wire). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

// ---- hostile requests ---------------------------------------------------------------------------

interface HostileRequest {
  /** What was done to the valid request, for the failure report. */
  change: string;
  [fc.toStringMethod]: () => string;
  path: string;
  /** Encoded query string without `?`. */
  query: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const RAW_BODIES = [
  '',
  '{',
  '{"a":',
  '[1,2',
  'null',
  '"string"',
  '12',
  'true',
  '{"a":1,}',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '\u0000',
  '{"a":"\u0000"}',
  '\uFEFF{}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '/* comment */ {}',
  '{"__proto__":{"polluted":"yes"}}',
];
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"<bad bytes>"}
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/jsonx',
  '*/*',
];
const CONTENT_ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'];
const BAD_AUTH: Record<string, string>[] = [
  {},
  { authorization: 'Bearer qb_notARealKeyAtAll00000000000000000000000' },
  { authorization: 'Bearer ' },
  { authorization: 'Basic YWRtaW46YWRtaW4=' },
  { authorization: `Bearer ${'A'.repeat(8000)}` },
  { authorization: "Bearer ' OR '1'='1" },
  { 'x-api-key': 'qb_\u00ff\u00fe' },
  { 'x-api-key': '' },
];

interface ValidRequest {
  path: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

/** A schema's property names at every level: the keys an "extra field" may reuse. */
function propertyNames(schema: JsonSchema): string[] {
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.items ? [schema.items] : []), ...Object.values(schema.properties ?? {})];
  return [...new Set([...Object.keys(schema.properties ?? {}), ...nested.flatMap(propertyNames)])];
}

/** One hostile change to a valid-looking request of `op`. */
function hostileRequests(op: Operation, valid: ValidRequest, key: string): fc.Arbitrary<HostileRequest> {
  const auth = { authorization: `Bearer ${key}` };
  const jsonHeaders = op.body ? { ...auth, 'content-type': 'application/json' } : auth;
  const validBody = op.body ? toJson(valid.body) : undefined;
  const build = (
    change: string,
    parts: { path?: Record<string, string>; query?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  ): HostileRequest => {
    const pathValues = parts.path ?? Object.fromEntries(Object.entries(valid.path).map(([k, v]) => [k, percentEncode(v)]));
    const query = parts.query ?? encodeQuery(Object.entries(valid.query));
    const body = 'body' in parts ? parts.body : validBody;
    const path = '/api' + op.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name] ?? '');
    const shown = `${op.method} ${path.slice(0, 120)}?${query.slice(0, 300)}: ${change.slice(0, 300)}; body ${String(body ?? '').slice(0, 300)}`;
    return { change, [fc.toStringMethod]: () => shown, path, query, headers: parts.headers ?? jsonHeaders, body };
  };
  const queryNames = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const pathNames = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const kinds: (fc.Arbitrary<HostileRequest> | fc.WeightedArbitrary<HostileRequest>)[] = [
    fc.constant(build('as generated')),
    fc
      .constantFrom(...BAD_AUTH)
      .map((headers) =>
        build(`auth headers ${JSON.stringify(Object.keys(headers))}`, { headers: { ...headers, ...(op.body ? { 'content-type': 'application/json' } : {}) } }),
      ),
  ];
  if (queryNames.length > 0) {
    const name = fc.oneof(fc.constantFrom(...queryNames), hostileKey());
    kinds.push(
      fc
        .tuple(name, hostileString)
        .map(([n, v]) => build(`query ${n}=${JSON.stringify(v)}`, { query: encodeQuery([...Object.entries(valid.query).filter(([k]) => k !== n), [n, v]]) })),
      fc.tuple(fc.constantFrom(...queryNames), hostileNumber).map(([n, v]) => {
        const text = v instanceof RawJson ? v.text : String(v);
        return build(`query ${n}=${text}`, { query: encodeQuery([...Object.entries(valid.query).filter(([k]) => k !== n), [n, text]]) });
      }),
      fc.constantFrom(...queryNames).map((n) => build(`query without ${n}`, { query: encodeQuery(Object.entries(valid.query).filter(([k]) => k !== n)) })),
      fc
        .constantFrom(...queryNames)
        .map((n) => build(`query ${n} twice`, { query: encodeQuery([...Object.entries(valid.query), [n, valid.query[n] ?? 'x']]) })),
      fc
        .constantFrom(
          '__proto__[polluted]=yes',
          'constructor[prototype][polluted]=yes',
          'ticker[]=SPY&ticker[]=QQQ',
          'limit[$gt]=0',
          '%',
          '%E0%A4%A',
          '%FF%FE',
          '%00',
          'a=%uD800',
          '&&&==&',
        )
        .map((raw) => build(`raw query ${raw}`, { query: [encodeQuery(Object.entries(valid.query)), raw].filter(Boolean).join('&') })),
    );
  }
  if (pathNames.length > 0) {
    kinds.push(
      fc
        .oneof(hostileString.map(percentEncode), fc.constantFrom('..%2F..%2Fhealth', '%2E%2E', '..', '%00', '%', '%E0%A4%A', 'x'.repeat(5000), '1%20OR%201=1'))
        .map((v) => build(`path ${v.slice(0, 80)}`, { path: Object.fromEntries(pathNames.map((n) => [n, v])) })),
    );
  }
  if (op.body) {
    const paths = pathsOf(valid.body);
    const at = paths.length > 0 ? fc.constantFrom(...paths) : fc.constant([] as (string | number)[]);
    const withBody = (change: string, value: unknown) => build(change, { body: toJson(value) });
    kinds.push(
      {
        weight: 3, // the change that reaches furthest: one field of an otherwise valid body
        arbitrary: fc.tuple(at, hostileJson).map(([p, v]) => withBody(`${p.join('.')} = ${toJson(v).slice(0, 200)}`, withValue(valid.body, p, v))),
      },
      at.map((p) => withBody(`without ${p.join('.')}`, withValue(valid.body, p, undefined))),
      fc
        .tuple(fc.constantFrom([] as (string | number)[], ...paths), fc.oneof(hostileKey(), fc.constantFrom(...propertyNames(op.body))), hostileJson)
        .map(([p, k, v]) => withBody(`extra ${[...p, k].join('.')}`, withValue(valid.body, [...p, k], v))),
      hostileJson.map((v) => withBody(`body ${toJson(v).slice(0, 200)}`, v)),
      fc.tuple(at, deepJson).map(([p, v]) => withBody(`${p.join('.')} nested ${DEEP} deep`, withValue(valid.body, p, v))),
      fc.constantFrom(...RAW_BODIES).map((raw) => build(`raw body ${JSON.stringify(raw)}`, { body: raw })),
      fc.nat().map((n) => build(`body cut at ${n % validBody!.length}`, { body: validBody!.slice(0, n % validBody!.length) })),
      fc.constant(build('invalid UTF-8 body', { body: INVALID_UTF8 })),
      fc.constantFrom(...WRONG_CONTENT_TYPES).map((type) => build(`content-type ${type}`, { headers: { ...auth, 'content-type': type } })),
      fc.constant(build('no content-type', { headers: auth })),
      fc
        .constantFrom(...CONTENT_ENCODINGS)
        .map((encoding) => build(`content-encoding ${encoding}`, { headers: { ...jsonHeaders, 'content-encoding': encoding } })),
      fc.constant(build('body over the limit', { body: toJson(withValue(valid.body, [paths[0]?.[0] ?? 'x'], 'x'.repeat(BODY_LIMIT_BYTES + 1))) })),
      fc.constant(
        build('20,000 elements', {
          body: toJson(
            withValue(
              valid.body,
              [paths[0]?.[0] ?? 'x'],
              Array.from({ length: 20_000 }, (_, i) => i),
            ),
          ),
        }),
      ),
    );
  }
  return fc.oneof(...kinds);
}

function encodeQuery(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

// ---- sending and checking -----------------------------------------------------------------------

interface Answer {
  status: number;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function send(baseUrl: string, method: string, request: HostileRequest): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path: request.path + (request.query ? `?${request.query}` : ''),
        headers: request.body === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

/**
 * One cheap fingerprint per table of the public schema: row count and md5 of its rows in text
 * order. api_keys.last_used_at is left out: using a key stamps it (at most once a minute).
 */
async function fingerprint(server: TestServer, sql: string): Promise<Record<string, string>> {
  const { rows } = await server.db.pool.query<{ name: string; print: string }>(sql);
  return Object.fromEntries(rows.map((r) => [r.name, r.print]));
}

async function fingerprintSql(server: TestServer): Promise<string> {
  const { rows } = await server.db.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return rows
    .map(
      ({ table_name: t }) =>
        `SELECT ${pgLiteral(t)} AS name, count(*) || ':' || coalesce(md5(string_agg((to_jsonb(r) - 'last_used_at')::text, ',' ORDER BY (to_jsonb(r) - 'last_used_at')::text)), '') AS print FROM public.${pgIdent(t)} r`,
    )
    .join(' UNION ALL ');
}
const pgLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
const pgIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
}

// ---- the sweep ----------------------------------------------------------------------------------

const operations = operationsOf(openApiDocument as never);
let server: TestServer;
let admin: string;
let known: Known;
let tablesSql: string;
let before: Record<string, string>;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype);
const tally = { cases: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
  server = await startTestServer({
    BODY_LIMIT: `${BODY_LIMIT_BYTES / 1024}kb`,
    RATE_LIMIT_STORE: 'memory',
    RATE_LIMITS: 'default=100000000,anonymous=100000000,admin=100000000',
  });
  admin = await server.key(['admin'], 'hostile-admin');
  // Something to read, deploy, trade and predict against: 60 daily bars and a model.
  await new MarketDataRepository(server.db.pool).upsertBars(
    Array.from({ length: 60 }, (_, i) => ({
      ticker: 'SPY',
      timeframe: '1d' as const,
      timestamp: new Date(T0 + i * DAY),
      open: 100 + i,
      high: 102 + i,
      low: 99 + i,
      close: 101 + i,
      volume: 1000,
    })),
  );
  const registered = await readJson(
    await fetch(`${server.url}/api/models`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'hostile-model', version: '1.0.0', algorithm: 'lstm', ticker: 'SPY', timeframe: '1d' }),
    }),
  );
  known = { modelId: registered.model.id };
  tablesSql = await fingerprintSql(server);
  before = await fingerprint(server, tablesSql);
});

afterAll(async () => {
  agent.destroy();
  await server?.close();
  const statuses = [...tally.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  console.log(`hostile input: ${tally.cases} cases over ${operations.length} operations, statuses ${statuses.join(' ')} (seed ${SEED})`);
});

describe('hostile input on every REST operation', () => {
  it('covers the operations of the OpenAPI document the app serves', async () => {
    expect(await readJson(await fetch(`${server.url}/api/openapi.json`))).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    expect(operations.length).toBeGreaterThanOrEqual(30);
    expect(operations.filter((op) => op.body).length).toBeGreaterThanOrEqual(8);
  });

  it.each(operations.map((op) => [`${op.method} ${op.path}`, op] as const))('%s: no 5xx, and no table changed by a refused request', async (_, op) => {
    const params = (where: 'path' | 'query') => op.parameters.filter((p) => p.in === where);
    const asText = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));
    const valid = fc.record({
      path: fc.record(Object.fromEntries(params('path').map((p) => [p.name, validValues(p.schema, p.name, known).map(asText)]))),
      query: fc.record(Object.fromEntries(params('query').map((p) => [p.name, validValues(p.schema, p.name, known).map(asText)])), {
        requiredKeys: params('query')
          .filter((p) => p.required)
          .map((p) => p.name),
      }),
      body: op.body ? validValues(op.body, 'body', known) : fc.constant(undefined),
    });
    await fc.assert(
      fc.asyncProperty(
        valid.chain((v) => hostileRequests(op, v as ValidRequest, admin)),
        async (request) => {
          const answer = await send(server.url, op.method, request);
          tally.cases++;
          tally.byStatus.set(answer.status, (tally.byStatus.get(answer.status) ?? 0) + 1);
          const after = await fingerprint(server, tablesSql);
          const changed = changedTables(before, after);
          before = after;
          const where = `${op.method} ${op.path} (${request.change.slice(0, 300)})`;
          expect(answer.status, `${where} answered ${answer.status}: ${answer.body.slice(0, 500)}`).toBeLessThan(500);
          if (answer.status >= 400) {
            expect(JSON.parse(answer.body), `${where}: the 4xx body`).toMatchObject({ success: false, error: expect.any(String) });
            expect(answer.body, `${where}: the 4xx body leaks internals`).not.toMatch(/node_modules|\.ts:\d+|\bat \w+ \(/);
          }
          if (answer.status >= 400 || op.method === 'GET') expect(changed, `${where} answered ${answer.status} and changed tables`).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: RUNS_PER_OPERATION },
    );
  });

  it('sent every case, and left Object.prototype unpolluted', () => {
    expect(tally.cases).toBeGreaterThanOrEqual(operations.length * RUNS_PER_OPERATION);
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
