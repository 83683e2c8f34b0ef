// npm test: the whole suite — the type check (one check: the Node side and the SPA, each with its
// own tsconfig, must compile), lint (one check: ESLint and knip), vitest (unit + integration against
// a real PostgreSQL the harness starts) and, when present, the Playwright end-to-end suite — then one
// summary line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'test-results');
fs.mkdirSync(out, { recursive: true });
const run = (cmd, args, env = {}) =>
  spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

let passed = 0;
let failed = 0;
let skipped = 0;
let exitCode = 0;

/** Runs every command (all of them, so one run shows every problem) as one counted check. */
function check(name, commands) {
  const codes = commands.map((args) => run('npx', args));
  const code = codes.find((c) => c !== 0) ?? 0;
  if (code === 0) passed += 1;
  else {
    const failedCommands = commands.filter((_, i) => codes[i] !== 0).map((args) => `npx ${args.join(' ')}`);
    console.error(`${name} failed (${failedCommands.join('; ')})`);
    failed += 1;
    exitCode ||= code;
  }
}

const extra = process.argv.slice(2);
if (extra.length === 0) {
  check('type check', [
    ['tsc', '--noEmit', '-p', '.'],
    ['tsc', '--noEmit', '-p', 'web'],
  ]);
  check('lint', [['eslint', '.'], ['knip']]);
}

const vitestJson = path.join(out, 'vitest.json');
fs.rmSync(vitestJson, { force: true });
const vitestCode = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`, ...extra]);
exitCode ||= vitestCode;
if (fs.existsSync(vitestJson)) {
  const report = JSON.parse(fs.readFileSync(vitestJson, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
  skipped += report.numPendingTests + report.numTodoTests;
} else {
  failed += 1; // vitest did not even produce a report
}

const hasE2e = fs.existsSync(path.join(root, 'e2e')) && fs.readdirSync(path.join(root, 'e2e')).some((f) => f.endsWith('.spec.ts'));
if (hasE2e && extra.length === 0 && process.env.SKIP_E2E !== '1') {
  const pwJson = path.join(out, 'playwright.json');
  fs.rmSync(pwJson, { force: true });
  const e2eCode = run('npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });
  exitCode ||= e2eCode;
  if (fs.existsSync(pwJson)) {
    const { stats, errors = [] } = JSON.parse(fs.readFileSync(pwJson, 'utf8'));
    passed += stats.expected + stats.flaky;
    failed += stats.unexpected + errors.length; // errors: the suite could not run (e.g. the web server failed)
    skipped += stats.skipped;
  } else {
    failed += 1;
  }
}

if (failed > 0) exitCode ||= 1;
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(exitCode);
