// The registry: deploying a model (behind a confirmation) makes it the only active one of its
// series, in the UI and in the API; rolling back restores the previous one.
import { apiGet, expect, screenshot, test } from './fixtures';

interface Models {
  models: { id: string; name: string; version: string; isActive: boolean; trainingRows: number | null; trainingDataFrom: string | null }[];
}

test('deploying a model makes it the only active one; roll back restores the previous', async ({ adminPage: page, server, request }, testInfo) => {
  const before = await apiGet<Models>(request, server, '/models?ticker=SPY&timeframe=1h');
  const previous = before.models.find((m) => m.isActive)!;
  const candidate = before.models.find((m) => !m.isActive && m.id !== previous.id)!;
  const label = `${candidate.name} ${candidate.version}`;

  await page.getByRole('tab', { name: 'Models' }).click();
  const table = page.getByRole('table', { name: 'Models' });
  // A row's name also holds its buttons' names ("Roll back to …"), so match the model cell.
  const row = (name: string) => table.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
  await page.getByRole('button', { name: `Deploy ${label}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Deploy model' });
  await expect(dialog).toContainText(label);
  await screenshot(page, testInfo, 'models-deploy-confirm');
  await dialog.getByRole('button', { name: 'Deploy' }).click();
  await expect(dialog).toBeHidden();

  await expect(row(label)).toContainText('Active');
  await expect(table.getByRole('cell', { name: 'Active', exact: true })).toHaveCount(1);
  const after = await apiGet<Models>(request, server, '/models?ticker=SPY&timeframe=1h&active=true');
  expect(after.models.map((m) => m.id)).toEqual([candidate.id]);
  await expect(page.getByRole('status').filter({ hasText: `replacing ${previous.name} ${previous.version}` })).toBeVisible();
  await screenshot(page, testInfo, 'models');

  await page.getByRole('button', { name: `Roll back to ${previous.name} ${previous.version}` }).click();
  await page.getByRole('dialog', { name: 'Roll back model' }).getByRole('button', { name: 'Roll back' }).click();
  await expect(row(`${previous.name} ${previous.version}`)).toContainText('Active');
  const restored = await apiGet<Models>(request, server, '/models?ticker=SPY&timeframe=1h&active=true');
  expect(restored.models.map((m) => m.id)).toEqual([previous.id]);

  // The details show the plan's training metadata, as the API has it.
  await row(`${previous.name} ${previous.version}`).getByRole('cell', { name: `${previous.name} ${previous.version}`, exact: true }).click();
  const details = page.getByRole('complementary', { name: 'Model details' });
  await expect(details).toContainText('Training data');
  expect(previous.trainingRows).toBeGreaterThan(0);
  await expect(details).toContainText(`${previous.trainingRows!.toLocaleString('en-US')} rows`);
  await screenshot(page, testInfo, 'model-details');
});
