// `npm run keys -- webhook-secret` as a real child process: the secret it prints once is the one
// the server stored sealed.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SecretBox } from '../server/shared/secret-box';
import { createTestDatabase, type TestDatabase } from '../server/testing/db';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECRETS_KEY = crypto.randomBytes(32).toString('base64');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const keys = (...args: string[]) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, SECRETS_KEY, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  return { code: run.status, out: run.stdout + run.stderr };
};

it('creates and rotates a webhook secret for a key by name, printing it once', async () => {
  expect(keys('create', '--name', 'ml-cli', '--scopes', 'predictions:write').code).toBe(0);
  const first = keys('webhook-secret', 'ml-cli');
  expect(first.code).toBe(0);
  const secret = /^(whsec_\S+)$/m.exec(first.out)?.[1];
  expect(secret).toBeDefined();
  const sealed = async () => (await db.pool.query<{ s: string }>('SELECT sealed_secret AS s FROM webhook_secrets')).rows.map((r) => r.s);
  const [stored] = await sealed();
  expect(SecretBox.fromConfig({ SECRETS_KEY, dataDir: '/nonexistent' }).open(stored!)).toBe(secret);

  const rotated = /^(whsec_\S+)$/m.exec(keys('webhook-secret', 'ml-cli').out)?.[1];
  expect(rotated).not.toBe(secret);
  expect(await sealed()).toHaveLength(1);
  expect(keys('webhook-secret', 'nobody')).toMatchObject({ code: 1, out: expect.stringContaining('no active key "nobody"') });
});
