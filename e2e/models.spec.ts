// The registry: deploying a model (behind a confirmation) makes it the only active one of its
// series, in the UI and in the API; rolling back (on the server) restores the previous one; the
// details show the series' aliases and deploy history, and a backtest with its equity curve.
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
  await dialog.getByLabel('Reason (history)').fill('e2e promotion');
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
  await expect(details.getByLabel('Aliases', { exact: true })).toContainText('@champion');

  // The deploy history: the rollback (newest) and the promotion with its reason, then the demo's own moves.
  const history = details.getByRole('table', { name: 'Deploy history' });
  await expect(history.getByRole('row')).toHaveCount(1 + 2 + 3);
  await expect(history.getByRole('row').nth(1)).toContainText('rollback');
  await expect(history.getByRole('row').nth(1)).toContainText(`${label} → ${previous.name} ${previous.version}`);
  await expect(history.getByRole('row').nth(2)).toContainText('e2e promotion');

  // A backtest of the restored champion: the run's statistics and its curve against buy-and-hold.
  const backtest = details.getByRole('region', { name: 'Backtest' });
  await backtest.getByLabel('Fee (bps)').fill('5');
  await backtest.getByRole('button', { name: 'Run backtest' }).click();
  await expect(backtest).toContainText('fee 5 bps');
  await expect(backtest.getByRole('figure', { name: 'Equity curve against buy-and-hold' })).toBeVisible();
  const stats = await apiGet<{ runs: { statistics: { trades: number; totalReturn: number } }[] }>(request, server, `/models/${previous.id}/backtests?limit=1`);
  expect(stats.runs[0]!.statistics.trades).toBeGreaterThan(0);
  await expect(backtest.getByLabel('Backtest statistics')).toContainText('Sharpe / Sortino');
  await screenshot(page, testInfo, 'model-details');
});
