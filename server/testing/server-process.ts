// The real server as a child process (`server/main.ts` under node + tsx, no tsx wrapper process, so
// the pid is the server's own) on a free port, for lifecycle and fault tests: signals, kill -9 and
// restarts act on a real process.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { freePort } from './postgres';

export interface ServerProcess {
  url: string;
  /** The admin key printed at the first start of a database without keys; null on later starts. */
  adminKey: string | null;
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout + stderr so far (structured log lines and the start banner). */
  output(): string;
  /** SIGKILL: no shutdown code runs, open transactions are left to PostgreSQL to roll back. Safe to call twice. */
  kill9(): Promise<void>;
}

/** Starts the server on `databaseUrl`; resolves once it listens. */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'never',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (out.includes(`Quantbase is running at ${url}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited during start-up:\n${out}`));
    });
  });
  const kill9 = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return { url, adminKey: /Admin API key \(shown once\): (\S+)/.exec(out)?.[1] ?? null, child, exited, output: () => out, kill9 };
}
