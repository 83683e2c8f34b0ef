// The error mapper: DomainError kinds, errors PostgreSQL and Prisma really raise, connection
// failures, body-parser errors, and what the procedures' middleware makes of them.
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDbHandles } from './db/client';
import { errorBody, toHttpError, toTRPCError } from './errors';
import { logger } from './logger';
import type { Services } from './services';
import { DomainError, type DomainErrorKind } from './shared/domain-error';
import { createTestDatabase, type TestDatabase } from './testing/db';
import { freePort } from './testing/postgres';
import { createCallerFactory, publicProcedure, router } from './trpc';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** The error a statement raises in the test database. */
async function raised(sql: string, values: unknown[] = []): Promise<unknown> {
  return db.pool.query(sql, values).then(
    () => expect.unreachable(`${sql} succeeded`),
    (error: unknown) => error,
  );
}

const status = (error: unknown) => getHTTPStatusCodeFromError(toTRPCError(error));

describe('toTRPCError', () => {
  it('maps each DomainError kind to its code and HTTP status, keeping message and details', () => {
    const expected: Record<DomainErrorKind, [string, number]> = {
      'not-found': ['NOT_FOUND', 404],
      conflict: ['CONFLICT', 409],
      invalid: ['BAD_REQUEST', 400],
      unauthenticated: ['UNAUTHORIZED', 401],
      unprocessable: ['UNPROCESSABLE_CONTENT', 422],
      precondition: ['PRECONDITION_FAILED', 412],
      unavailable: ['SERVICE_UNAVAILABLE', 503],
    };
    for (const [kind, [code, httpStatus]] of Object.entries(expected)) {
      const error = new DomainError(kind as DomainErrorKind, `a ${kind} error`, { details: [{ path: 'x.0', message: 'why' }] });
      const mapped = toTRPCError(error);
      expect([mapped.code, getHTTPStatusCodeFromError(mapped), mapped.message]).toEqual([code, httpStatus, `a ${kind} error`]);
      expect(errorBody(mapped)).toEqual({ success: false, error: `a ${kind} error`, details: [{ path: 'x.0', message: 'why' }] });
    }
  });

  it('maps what PostgreSQL refuses to client errors, without SQL in the message', async () => {
    // A table of its own, so the constraints probed here are exactly the kinds named.
    await db.pool.query(`
      CREATE TABLE error_probe_parent (id int PRIMARY KEY);
      CREATE TABLE error_probe (
        key text UNIQUE, parent int REFERENCES error_probe_parent (id), share float8 CHECK (share BETWEEN 0 AND 1), required text NOT NULL
      );
      INSERT INTO error_probe (key, required) VALUES ('taken', 'x');`);
    const refused: Array<[code: string, error: unknown, status: number]> = [
      ['23505', await raised(`INSERT INTO error_probe (key, required) VALUES ('taken', 'x')`), 409],
      ['23503', await raised(`INSERT INTO error_probe (parent, required) VALUES (7, 'x')`), 400],
      ['23514', await raised(`INSERT INTO error_probe (share, required) VALUES (1.5, 'x')`), 400],
      ['23502', await raised(`INSERT INTO error_probe (key) VALUES ('k')`), 400],
      ['22P02', await raised(`SELECT $1::uuid`, ['not-a-uuid']), 400],
      ['22003', await raised(`SELECT 2147483648::int`), 400],
      ['22008', await raised(`SELECT $1::timestamptz`, [new Date(-8.64e15)]), 400], // the earliest JS date, 271822 BC
      ['22021', await raised(`SELECT $1::text`, ['SPY\u0000']), 400],
      ['22P05', await raised(`SELECT $1::jsonb`, ['{"a":"\\u0000"}']), 400],
    ];
    for (const [code, error, httpStatus] of refused) {
      expect([(error as pg.DatabaseError).code, status(error)]).toEqual([code, httpStatus]);
      expect(toTRPCError(error).message).not.toMatch(/error_probe|uuid|integer|constraint|share|taken|parent/);
    }
  });

  it('maps what Prisma refuses: a duplicate (P2002) to 409, a missing record (P2025) to 404', async () => {
    const data = { name: 'probe', prefix: 'qb_probe', keyHash: 'probe-hash', scopes: [] };
    await db.prisma.apiKey.create({ data });
    const duplicate = await db.prisma.apiKey.create({ data }).catch((error: unknown) => error);
    const missing = await db.prisma.apiKey.update({ where: { id: '00000000-0000-4000-8000-000000000000' }, data: { name: 'x' } }).catch((error: unknown) => error);
    expect([status(duplicate), status(missing)]).toEqual([409, 404]);
  });

  it('maps a database error Prisma wraps without a code of its own (P2039) by its SQLSTATE: NUL bytes are 400', async () => {
    const nulInText = await db.prisma.apiKey.create({ data: { name: 'nul\u0000', prefix: 'qb_nul', keyHash: 'nul-hash', scopes: [] } }).catch((error: unknown) => error);
    const nulInJson = await db.prisma.model
      .create({ data: { name: 'nul', version: '1', algorithm: 'x', hyperparameters: { a: 'x\u0000' } } })
      .catch((error: unknown) => error);
    for (const error of [nulInText, nulInJson]) {
      expect((error as { code?: string }).code).toBe('P2039');
      expect(toTRPCError(error)).toMatchObject({ code: 'BAD_REQUEST', message: 'A value breaks a data rule (out of range or malformed)' });
    }
  });

  it('maps an unreachable database to 503, through pg and through Prisma', async () => {
    const dead = createDbHandles(`postgresql://nobody:nothing@127.0.0.1:${await freePort()}/gone`, 1);
    try {
      const viaPg = await dead.pool.query('SELECT 1').catch((error: unknown) => error);
      const viaPrisma = await dead.prisma.model.count().catch((error: unknown) => error);
      for (const error of [viaPg, viaPrisma]) {
        expect(status(error)).toBe(503);
        expect(toTRPCError(error).message).toBe('The database is unavailable; retry shortly');
      }
    } finally {
      await dead.prisma.$disconnect();
      await dead.pool.end();
    }
  });

  it('maps body-parser errors and answers anything else with a bare 500', () => {
    expect(toHttpError(Object.assign(new Error('too large'), { type: 'entity.too.large' }))).toMatchObject({
      status: 413,
      body: { success: false, error: 'Request body too large' },
    });
    expect(toHttpError(Object.assign(new SyntaxError('Unexpected end'), { type: 'entity.parse.failed' })).status).toBe(400);
    for (const bug of [new TypeError("Cannot read properties of undefined (reading 'x')"), new RangeError('period must be >= 1'), 'a string']) {
      expect(toHttpError(bug)).toMatchObject({ status: 500, body: { success: false, error: 'Internal error', details: undefined } });
    }
  });
});

describe('procedures', () => {
  const failing = (error: unknown) => () => {
    throw error;
  };
  const testRouter = router({
    domain: publicProcedure.query(failing(DomainError.invalid('from is after to', [{ path: 'from', message: 'after to' }]))),
    database: publicProcedure.query(() => db.pool.query(`SELECT $1::uuid`, ['x'])),
    input: publicProcedure.input(z.object({ n: z.number().max(5) })).query(({ input }) => input.n),
    output: publicProcedure.output(z.object({ n: z.number() })).query(() => ({ n: 'not a number' }) as never),
    bug: publicProcedure.query(failing(new RangeError('unknown feature column: x'))),
  });
  const caller = createCallerFactory(testRouter)({
    services: {} as Services,
    principal: null,
    authError: null,
    requestId: 'test',
    log: logger.child({ level: 'silent' }),
  });
  const failure = (call: Promise<unknown>) => call.then(() => expect.unreachable('no error'), (error: unknown) => toTRPCError(error));

  it('answer with the mapped code, the message and the fields at fault', async () => {
    const domain = await failure(caller.domain());
    expect([domain.code, errorBody(domain)]).toEqual(['BAD_REQUEST', { success: false, error: 'from is after to', details: [{ path: 'from', message: 'after to' }] }]);
    expect((await failure(caller.database())).code).toBe('BAD_REQUEST');
    const input = await failure(caller.input({ n: 6 }));
    expect([input.code, errorBody(input)]).toEqual(['BAD_REQUEST', { success: false, error: 'Invalid input', details: [{ path: 'n', message: expect.any(String) }] }]);
  });

  it('treat a failed output check and a RangeError as bugs: 500 without details', async () => {
    for (const call of [caller.output(), caller.bug()]) {
      const error = await failure(call);
      expect([error.code, errorBody(error)]).toEqual(['INTERNAL_SERVER_ERROR', { success: false, error: expect.any(String), details: undefined }]);
      expect(errorBody(error).error).not.toMatch(/feature column|number/);
    }
  });
});
