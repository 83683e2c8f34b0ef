// Predictions and accuracy: the table fills from the API, and every hit rate the accuracy view
// shows is the one /api/predictions/accuracy reports.
import { formatPercent } from '../web/src/app/format';
import { apiGet, expect, screenshot, test } from './fixtures';

interface Accuracy {
  models: {
    modelId: string;
    modelName: string;
    modelVersion: string;
    hitRate: number | null;
    resolved: number;
    brier: number | null;
    coverage: number | null;
  }[];
}

test('the predictions table lists the series’ predictions and filters them', async ({ adminPage: page }, testInfo) => {
  await page.getByRole('tab', { name: 'Predictions' }).click();
  const table = page.getByRole('table', { name: 'Predictions' });
  await expect(table.getByRole('row').nth(1)).toBeVisible();
  await expect(table.getByRole('row').nth(1)).toContainText('SPY');
  await screenshot(page, testInfo, 'predictions');

  await page.getByLabel('Outcome').selectOption('wrong');
  await expect(table.getByRole('row').nth(1)).toContainText('wrong');
  await expect(table.getByRole('cell', { name: /right|pending/ })).toHaveCount(0);
});

test('the accuracy view shows the API’s hit rates', async ({ adminPage: page, server, request }, testInfo) => {
  await page.getByRole('tab', { name: 'Accuracy' }).click();
  const table = page.getByRole('table', { name: 'Hit rate by model' });
  await expect(table).toBeVisible();

  const report = await apiGet<Accuracy>(request, server, '/predictions/accuracy?ticker=SPY&timeframe=1h');
  expect(report.models.length).toBeGreaterThan(0);
  const hitRateColumn = (await table.getByRole('columnheader').allTextContents()).findIndex((h) => h.startsWith('Hit rate'));
  for (const model of report.models) {
    const row = table.getByRole('row', { name: new RegExp(`${model.modelName} ${model.modelVersion.replaceAll('.', '\\.')}`) });
    await expect(row.getByRole('cell').nth(hitRateColumn)).toHaveText(formatPercent(model.hitRate));
  }
  await expect(page.getByRole('figure', { name: /Hit rate over time/ })).toBeVisible();
  await expect(page.getByRole('figure', { name: 'Calibration' })).toBeVisible();
  await expect(page.getByRole('figure', { name: 'Precision and recall by direction' })).toBeVisible();
  await screenshot(page, testInfo, 'accuracy');

  // The 30-day window: hit rate, Brier score and coverage as the API reports them for that window.
  // Columns are read before the switch: while the new window loads, the table is not there.
  const headers = await table.getByRole('columnheader').allTextContents();
  const column = (name: string) => {
    const index = headers.findIndex((h) => h.startsWith(name));
    expect(index, `column ${name}`).toBeGreaterThanOrEqual(0);
    return index;
  };
  await page.getByRole('radio', { name: '30d' }).click();
  const month = await apiGet<Accuracy>(request, server, '/predictions/accuracy?ticker=SPY&timeframe=1h&window=30d');
  for (const model of month.models) {
    const row = table.getByRole('row', { name: new RegExp(`${model.modelName} ${model.modelVersion.replaceAll('.', '\\.')}`) });
    await expect(row.getByRole('cell').nth(column('Hit rate'))).toHaveText(formatPercent(model.hitRate));
    await expect(row.getByRole('cell').nth(column('Brier'))).toHaveText(model.brier === null ? '—' : model.brier.toFixed(3));
    await expect(row.getByRole('cell').nth(column('Coverage'))).toHaveText(formatPercent(model.coverage));
  }
  expect(month.models.some((m) => m.brier !== null)).toBe(true);
});
