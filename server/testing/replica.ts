// Test harness: a real PostgreSQL 15 primary and its streaming standby (pg_basebackup -R writes
// standby.signal and primary_conninfo), from Debian's binaries, on free loopback ports in a temp
// dir. A standby must run the primary's major version, so both use the same binaries. As root, both
// run as the unprivileged `postgres` user (PostgreSQL refuses to run as root).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort, makeTempDir } from './postgres';

export const PG15_BIN = '/usr/lib/postgresql/15/bin';
const USER = 'quantbase';

export interface StreamingPair {
  /** Superuser URLs of the `postgres` database on each server. */
  primaryUrl: string;
  standbyUrl: string;
  /** Fast shutdown of the standby (the primary keeps running). */
  stopStandby(): Promise<void>;
  stop(): Promise<void>;
}

function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startStreamingPair(): Promise<StreamingPair> {
  const dir = await makeTempDir('quantbase-replica-');
  const user = runAs();
  if (user.uid !== undefined) fs.chownSync(dir, user.uid, user.gid!);
  const servers: ChildProcess[] = [];
  const run = (bin: string, args: string[]) => execFileSync(path.join(PG15_BIN, bin), args, { ...user, cwd: dir, stdio: 'pipe' });
  const start = async (dataDir: string, port: number) => {
    const server = spawn(path.join(PG15_BIN, 'postgres'), ['-D', dataDir, '-c', `port=${port}`], { ...user, cwd: dir, stdio: 'ignore' });
    servers.push(server);
    const url = `postgresql://${USER}@127.0.0.1:${port}/postgres`;
    await waitForServer(url, server);
    return { server, url };
  };
  const stopAll = async () => {
    await Promise.all(servers.map(stopServer));
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const primaryDir = path.join(dir, 'primary');
    const standbyDir = path.join(dir, 'standby');
    // trust on loopback only: initdb's pg_hba.conf admits 127.0.0.1 for databases and replication.
    run('initdb', ['-D', primaryDir, '-U', USER, '--auth=trust', '--no-sync', '--locale=C', '--encoding=UTF8']);
    fs.appendFileSync(
      path.join(primaryDir, 'postgresql.conf'),
      ["listen_addresses = '127.0.0.1'", "unix_socket_directories = ''", 'wal_level = replica', 'max_wal_senders = 5', 'fsync = off', 'synchronous_commit = off', 'max_connections = 60', ''].join('\n'),
    );
    const primary = await start(primaryDir, await freePort());
    const primaryPort = new URL(primary.url).port;
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', primaryPort, '-U', USER, '-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
    const standby = await start(standbyDir, await freePort());
    return {
      primaryUrl: primary.url,
      standbyUrl: standby.url,
      stopStandby: () => stopServer(standby.server),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function waitForServer(url: string, server: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited (${server.exitCode}) before accepting connections at ${url}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** SIGINT: PostgreSQL's fast shutdown. */
async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
