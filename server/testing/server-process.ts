// A real Quantbase server process (`server/main.ts` under node + tsx, no tsx wrapper process, so the
// pid is the server's own and `kill -9` hits it) on a free loopback port, for fault tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './postgres';

export interface ServerProcess {
  url: string;
  /** SIGKILL: no shutdown code runs, open transactions are left to PostgreSQL to roll back. */
  kill9(): Promise<void>;
  /** SIGKILL too, for clean-up; safe to call twice. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, SEED_DEMO: 'never', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stderr!.on('data', collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      collect(chunk);
      if (output.includes('Quantbase is running at')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} during start-up:\n${output}`));
    });
  });
  const kill9 = () => killAndWait(child);
  return { url: `http://127.0.0.1:${port}`, kill9, stop: kill9 };
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
