import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, makeTempDir } from '../testing/postgres';
import { startEmbeddedPostgres } from './embedded';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true }))));

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT 1 AS one')).rows[0].one;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL bootstrap', () => {
  it('starts over a postmaster.pid left by a process that no longer exists', async () => {
    const dataDir = await makeTempDir('quantbase-embedded-');
    dirs.push(dataDir);
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
    await first.stop();
    // A stale lock file naming a dead PID, as a crash leaves it.
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    await fs.writeFile(pidFile, `999999\n${path.join(dataDir, 'pg')}\n0\n${port}\n`);
    const second = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
    try {
      expect(await selectOne(second.url)).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('recovers when the parent was killed with SIGKILL and its postgres is still running', async () => {
    const dataDir = await makeTempDir('quantbase-embedded-');
    dirs.push(dataDir);
    const port = await freePort();
    // A separate Node process starts the cluster, reports ready, and is then killed -9.
    const script = `import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve(import.meta.dirname, 'embedded.ts'))};
      await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, ephemeral: true });
      console.log('ready'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const orphanPid = Number((await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(() => process.kill(orphanPid, 0)).not.toThrow(); // the orphan is really still there

    const db = await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
    try {
      expect(await selectOne(db.url)).toBe(1);
    } finally {
      await db.stop();
    }
  });
});
