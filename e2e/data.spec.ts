// The data view: a coverage row per stored series, drawn from the server's gap report.
import { apiGet, expect, screenshot, test } from './fixtures';

interface Coverage {
  coverage: { ticker: string; timeframe: string }[];
}

test('the data view shows coverage for every stored series', async ({ adminPage: page, server, request }, testInfo) => {
  const { coverage } = await apiGet<Coverage>(request, server, '/market-data/coverage');
  await page.getByRole('tab', { name: 'Data', exact: true }).click();
  const heatmap = page.getByRole('table', { name: 'Coverage by session' });
  await expect(heatmap.getByRole('row')).toHaveCount(coverage.length + 1);
  const spy1m = heatmap.getByRole('cell', { name: 'SPY 1m coverage' });
  await expect(spy1m).not.toHaveAttribute('aria-busy', 'true');
  // The demo data is complete: every session of the window is a full cell, no gaps counted.
  await expect(spy1m.locator('.cell.full').first()).toBeVisible();
  await expect(spy1m.locator('.cell.missing, .cell.partial')).toHaveCount(0);
  await expect(heatmap.getByRole('row').filter({ hasText: /SPY\s*1m/ }).getByRole('cell').last()).toHaveText('0');
  await expect(page.getByRole('table', { name: 'Ingestion runs' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Refresh now' })).toBeVisible();
  // Background jobs: counts per state as filters; the scheduled ones appear once they ran.
  const jobStates = page.getByRole('radiogroup', { name: 'Job state shown' });
  await expect(jobStates.getByRole('radio', { name: /^dead \d+$/ })).toBeVisible();
  await jobStates.getByRole('radio', { name: /^dead/ }).click();
  await expect(page.getByText('No jobs in this state.')).toBeVisible();
  await jobStates.getByRole('radio', { name: 'all' }).click();
  await screenshot(page, testInfo, 'data');
});
