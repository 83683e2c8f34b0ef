// Signing in: the one-time link printed at start-up, the key form (and a rejected key), signing
// out, and what a key without admin scope is (not) shown.
import { apiGet, expect, screenshot, signInWithKey, test } from './fixtures';

test('signs in through the one-time link printed at start-up', async ({ page, server }, testInfo) => {
  await page.goto(server.signInUrl);
  await expect(page).toHaveURL(`${server.url}/`);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'SPY 1h price chart' })).toBeVisible();
  await screenshot(page, testInfo, 'workspace');

  // The link works once.
  const second = await page.context().browser()!.newContext();
  const again = await second.newPage();
  await again.goto(server.signInUrl);
  await expect(again.getByRole('alert')).toContainText('expired or was already used');
  await second.close();
});

test('signs in with a key through the form, refuses a wrong key, signs out', async ({ page, server }, testInfo) => {
  await page.goto('/');
  const key = page.getByLabel('API key');
  await key.fill('qb_not-a-real-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('not accepted');
  await screenshot(page, testInfo, 'sign-in');

  await key.fill(server.adminKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Signed in as admin' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByLabel('API key')).toBeVisible();
  // The cookie is gone too: a reload stays signed out.
  await page.reload();
  await expect(page.getByLabel('API key')).toBeVisible();
});

test('a key without admin scope sees no admin actions', async ({ adminPage: page, server, browser, request }, testInfo) => {
  // The admin creates a read-only key in the API keys view.
  await page.getByRole('tab', { name: 'API keys' }).click();
  await page.getByLabel('Key name').fill('e2e-viewer');
  await expect(page.getByRole('checkbox', { name: /^market:read/ })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: /^predictions:read/ })).toBeChecked();
  await page.getByRole('button', { name: 'Create key' }).click();
  const viewerKey = await page.getByLabel('New API key').inputValue();
  expect(viewerKey).toMatch(/^qb_/);
  await expect(page.getByRole('table', { name: 'API keys' }).getByRole('row', { name: /e2e-viewer/ })).toBeVisible();
  await screenshot(page, testInfo, 'api-keys');

  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1600, height: 900 } });
  const viewer = await context.newPage();
  await signInWithKey(viewer, viewerKey);
  await expect(viewer.getByRole('group', { name: 'Signed in as e2e-viewer' })).toBeVisible();

  const tabs = viewer.getByRole('tablist', { name: 'Views' });
  await expect(tabs.getByRole('tab')).toHaveText(['Predictions', 'Accuracy', 'Models', 'Data', 'Datasets']);
  await expect(viewer.getByRole('tab', { name: 'API keys' })).toHaveCount(0);
  await expect(viewer.getByRole('tab', { name: 'Trading' })).toHaveCount(0);
  await expect(viewer.getByRole('form', { name: 'Order ticket' })).toHaveCount(0);

  await viewer.getByRole('tab', { name: 'Models' }).click();
  await expect(viewer.getByRole('table', { name: 'Models' })).toBeVisible();
  await expect(viewer.getByRole('button', { name: /^Deploy / })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: /^Roll back/ })).toHaveCount(0);

  await viewer.getByRole('tab', { name: 'Data', exact: true }).click();
  await expect(viewer.getByRole('table', { name: 'Coverage by session' })).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Refresh now' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Backfill…' })).toHaveCount(0);
  await screenshot(viewer, testInfo, 'viewer');

  // The server agrees: the same key cannot deploy.
  const models = await apiGet<{ models: { id: string }[] }>(request, server, '/models?ticker=SPY&timeframe=1h');
  const deploy = await request.post(`${server.url}/api/models/deploy`, {
    headers: { Authorization: `Bearer ${viewerKey}` },
    data: { modelId: models.models[0]!.id },
  });
  expect(deploy.status()).toBe(403);
  await context.close();
});
