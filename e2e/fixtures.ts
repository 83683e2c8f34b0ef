// Shared test fixtures: the running server's address, sign-in link and admin key (written by
// scripts/e2e-server.mjs), a REST client holding that key (the API is the oracle the UI is
// checked against), a signed-in page, and screenshots saved as artifacts.
import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test';

export interface ServerInfo {
  url: string;
  signInUrl: string;
  adminKey: string;
}

const root = path.resolve(import.meta.dirname, '..');
const SCREENSHOTS = path.join(root, 'test-results', 'screenshots');

function readServerInfo(): ServerInfo {
  return JSON.parse(fs.readFileSync(path.join(root, 'test-results', 'e2e-server.json'), 'utf8')) as ServerInfo;
}

/** GET an /api path with a key, asserting success, returning the JSON body. */
export async function apiGet<T>(request: APIRequestContext, server: ServerInfo, apiPath: string, key = server.adminKey): Promise<T> {
  const response = await request.get(`${server.url}/api${apiPath}`, { headers: { Authorization: `Bearer ${key}` } });
  expect(response.status(), `GET /api${apiPath}`).toBe(200);
  return (await response.json()) as T;
}

/** Signs the page's browser context in through POST /auth/login (sets the session cookie). */
export async function signInWithKey(page: Page, key: string) {
  const response = await page.request.post('/auth/login', { data: { apiKey: key } });
  expect(response.status()).toBe(204);
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Saves a full-window screenshot under test-results/screenshots and attaches it to the report. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  // Views mark what is still loading with aria-busy; give them a moment to finish.
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 20_000 });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

export const test = base.extend<{ adminPage: Page }, { server: ServerInfo }>({
  // Playwright reads a fixture's parameter list: one that needs no other fixture takes `{}`.
  // eslint-disable-next-line no-empty-pattern
  server: [async ({}, use) => use(readServerInfo()), { scope: 'worker' }],
  baseURL: async ({ server }, use) => use(server.url),
  adminPage: async ({ page, server }, use) => {
    await signInWithKey(page, server.adminKey);
    await use(page);
  },
});

export { expect };
