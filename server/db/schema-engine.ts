// Offline `prisma migrate diff`: Prisma's schema engine compiled to WASM
// (@prisma/schema-engine-wasm, pinned exactly: it is Prisma-internal), driven through a
// migration-aware PrismaPg adapter. The Prisma 7 CLI only spawns a native engine that it
// downloads at start-up, which an offline machine cannot do.
//
// The adapter works around three traps of @prisma/adapter-pg 7.10.1:
// - it cannot decode PostgreSQL's `char` type (OID 18), which the engine's introspection
//   queries return (e.g. pg_constraint.contype): such columns reach the adapter labelled as
//   `text` and are handed to the engine as ColumnType `Character`, which its describer expects;
// - its executeScript splits a script on `;`, breaking `$$` bodies and leaving a failed
//   migration half-applied: scripts run as one simple-protocol query instead, which
//   PostgreSQL executes as one implicit transaction;
// - its shadow database is dropped while its pool may still hold connections: ours is dropped
//   `WITH (FORCE)` after its pool is closed.
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { DiffTarget, MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import * as engineBindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultSchemaPath = join(root, 'prisma/schema.prisma');
export const defaultMigrationsDir = join(root, 'prisma/migrations');

/** What the engine prints for a diff without changes. */
const EMPTY_MIGRATION = '-- This is an empty migration.';

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

export interface DiffOptions {
  /** Superuser (or CREATEDB) connection URL of the server the engine may use. */
  adminUrl: string;
  schemaPath?: string;
}

export interface MigrationsDiffOptions extends DiffOptions {
  migrationsDir?: string;
}

/**
 * SQL that brings a database built from the migrations in `migrationsDir` to `schemaPath`
 * (`prisma migrate diff --from-migrations --to-schema --script`). It is
 * {@link EMPTY_MIGRATION} when they match. The migrations are replayed in a throwaway
 * shadow database created on the server of `adminUrl` and dropped afterwards.
 */
export async function diffMigrationsToSchema({
  adminUrl,
  schemaPath = defaultSchemaPath,
  migrationsDir = defaultMigrationsDir,
}: MigrationsDiffOptions): Promise<string> {
  return diff(adminUrl, { tag: 'migrations', ...(await readMigrations(migrationsDir)) }, schemaPath);
}

/**
 * SQL that creates `schemaPath` in an empty database (`prisma migrate diff --from-empty
 * --to-schema --script`). The engine only reads the server version from `adminUrl`. Unlike the
 * first migration `prisma migrate dev` writes (which is {@link diffMigrationsToSchema} of an
 * empty migrations folder), it starts with `CREATE SCHEMA IF NOT EXISTS "public"`.
 */
export async function diffEmptyToSchema({ adminUrl, schemaPath = defaultSchemaPath }: DiffOptions): Promise<string> {
  return diff(adminUrl, { tag: 'empty' }, schemaPath);
}

/** `true` when a diff result contains no SQL statement. */
export function isEmptyMigration(sql: string): boolean {
  return sql.trim() === '' || sql.trim() === EMPTY_MIGRATION;
}

async function diff(adminUrl: string, from: DiffTarget, schemaPath: string): Promise<string> {
  const files = [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }];
  const factory = new MigrationAwarePg(adminUrl);
  try {
    const engine = await createEngine(factory);
    try {
      const result = await engine.diff({
        from,
        to: { tag: 'schemaDatamodel', files },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      });
      return result.stdout ?? '';
    } finally {
      engine.free();
    }
  } finally {
    await factory.close();
  }
}

/** The migrations folder in the shape the engine expects (as the Prisma CLI reads it). */
async function readMigrations(baseDir: string): Promise<MigrationList> {
  const lockPath = 'migration_lock.toml';
  const lockContent = await readFile(join(baseDir, lockPath), 'utf8').catch(() => null);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort((a, b) => a.localeCompare(b));
  return {
    baseDir,
    lockfile: { path: lockPath, content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      dirs.map(async (path) => ({
        path,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(join(baseDir, path, 'migration.sql'), 'utf8').then(
            (value) => ({ tag: 'ok' as const, value }),
            (error: Error) => ({ tag: 'error' as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

let bindings: Promise<void> | undefined;

/** Node's global WebAssembly, which @types/node 20 does not declare (lib.dom does; the server compiles without DOM). */
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: Record<string, object>): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

/** Instantiates the WASM module (Node 20 cannot `import` a .wasm file, so it is loaded by hand). */
async function loadBindings(): Promise<void> {
  // A Rust panic reports its message here, then throws `RuntimeError: unreachable` outside any
  // promise, which ends the process.
  const global = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  global.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message: (message) => process.stderr.write(`Prisma schema engine panicked: ${message}\n`),
  };
  const entry = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm');
  const bytes = await readFile(join(dirname(entry), 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': engineBindings });
  engineBindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
}

async function createEngine(factory: SqlMigrationAwareDriverAdapterFactory): Promise<SchemaEngine> {
  await (bindings ??= loadBindings());
  const ignoreLogs = () => {};
  return engineBindings.SchemaEngine.new({ datamodels: undefined }, ignoreLogs, bindMigrationAwareSqlAdapterFactory(factory));
}

/** PrismaPg for the schema engine; every pool it opens is closed by {@link close}. */
class MigrationAwarePg implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@prisma/adapter-pg';
  readonly #adminUrl: string;
  readonly #open = new Set<SqlDriverAdapter>();

  constructor(adminUrl: string) {
    this.#adminUrl = adminUrl;
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.#adapter(this.#adminUrl);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const adminUrl = this.#adminUrl;
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    await withAdminClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return this.#adapter(url.href, () =>
      withAdminClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
    );
  }

  /** Disposes what the engine left open: it keeps the main connection when a diff fails. */
  async close(): Promise<void> {
    for (const adapter of [...this.#open]) await adapter.dispose();
  }

  async #adapter(url: string, afterClose?: () => Promise<unknown>): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool({ connectionString: url, Client: CharColumnsClient });
    const adapter = await new PrismaPg(pool).connect();
    const queryRaw = adapter.queryRaw.bind(adapter);
    adapter.queryRaw = async (query) => {
      const result = await queryRaw(query);
      for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
      return result;
    };
    // Without parameters, pg sends the script as one simple-protocol query.
    adapter.executeScript = async (script) => {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    };
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    adapter.dispose = () =>
      (disposed ??= (async () => {
        this.#open.delete(adapter);
        await dispose();
        await pool.end();
        await afterClose?.();
      })());
    this.#open.add(adapter);
    return adapter;
  }
}

/** Positions of the `char` columns of a pg result, keyed by its rows array (which the adapter passes on). */
const charColumns = new WeakMap<unknown[], number[]>();

/** Relabels the `char` columns of pg results (one, or an array for a multi-statement script) as `text`. */
function relabelCharColumns<R>(returned: R): R {
  for (const result of [returned].flat() as (pg.QueryResult | undefined)[]) {
    const positions: number[] = [];
    result?.fields?.forEach((field, i) => {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        positions.push(i);
      }
    });
    if (result && positions.length > 0) charColumns.set(result.rows, positions);
  }
  return returned;
}

/** A pg client applying {@link relabelCharColumns} to every result, whichever of pg's call forms is used. */
class CharColumnsClient extends pg.Client {
  override query(...args: unknown[]): never {
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: Error | null, result: unknown) => callback(error, relabelCharColumns(result));
    }
    const returned: unknown = pg.Client.prototype.query.apply(this, args as never);
    return (returned instanceof Promise ? returned.then(relabelCharColumns) : returned) as never;
  }
}

async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
