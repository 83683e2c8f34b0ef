// Playwright's web server: builds the SPA, starts the real server on a throwaway data directory
// (embedded PostgreSQL, demo data) and free ports, records the printed sign-in link and admin key
// in test-results/e2e-server.json for the tests, and removes everything again on exit.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const infoFile = path.join(root, 'test-results', 'e2e-server.json');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

if (process.env.E2E_SKIP_BUILD !== '1') {
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quantbase-e2e-'));
// Under root the embedded PostgreSQL runs as an unprivileged user, which must traverse this dir.
fs.chmodSync(dataDir, 0o755);
const [port, pgPort] = [await freePort(), await freePort()];
const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEED_DEMO: 'auto' };
delete env.DATABASE_URL; // always the throwaway embedded database

// One node process (no npx/tsx wrapper in between), so signals reach the server itself.
const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
const info = { url: '', signInUrl: '', adminKey: '', dataDir };
let output = '';

server.stdout.setEncoding('utf8');
server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (info.adminKey) return;
  output += chunk;
  info.url = /Quantbase is running at (\S+)/.exec(output)?.[1] ?? '';
  info.signInUrl = /Sign in \(one-time link\): (\S+)/.exec(output)?.[1] ?? '';
  info.adminKey = /Admin API key \(shown once\): (\S+)/.exec(output)?.[1] ?? '';
  if (info.url && info.signInUrl && info.adminKey) {
    fs.mkdirSync(path.dirname(infoFile), { recursive: true });
    fs.writeFileSync(infoFile, JSON.stringify(info, null, 2));
    // playwright.config.ts waits for this line.
    process.stdout.write(`E2E server ready at ${info.url}\n`);
  } else {
    info.adminKey = '';
  }
});

let stopping = false;
function cleanUp() {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(infoFile, { force: true });
}
server.on('exit', (code, signal) => {
  cleanUp();
  process.exit(stopping ? 0 : (code ?? (signal ? 1 : 0)));
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // The server shuts its embedded PostgreSQL down; give it time, then insist.
    server.kill('SIGTERM');
    setTimeout(() => server.kill('SIGKILL'), 15_000).unref();
  });
}
