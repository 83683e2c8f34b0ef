// Datasets, as an analyst uses them: define one, preview it (counts per split as the API counts
// them), download it, save it as a version, and see the model registered as trained on it - in the
// dataset's lineage and in the model's details.
import { apiGet, expect, screenshot, test } from './fixtures';

interface Preview {
  counts: { rows: { train: number; validation: number; test: number } };
}

test('define, preview, download and save a dataset; its lineage shows the model trained on it', async ({ adminPage: page, server, request }, testInfo) => {
  await page.getByRole('tab', { name: 'Datasets' }).click();
  const form = page.getByRole('form', { name: 'Dataset definition' });
  for (const ticker of ['IWM', 'QQQ', 'SPY', 'UVXY']) await form.getByRole('checkbox', { name: ticker, exact: true }).setChecked(ticker === 'QQQ' || ticker === 'SPY');
  await form.getByLabel('Label').selectOption('direction');
  await form.getByLabel('Horizon (bars)').fill('2');
  await form.getByRole('button', { name: 'Preview' }).click();

  // The counts the view shows are the API's for the same definition.
  const download = page.getByRole('link', { name: 'Download' });
  await expect(download).toHaveAttribute('href', /ticker=QQQ%2CSPY.*label=direction.*horizon=2/);
  const query = (await download.getAttribute('href'))!.replace('/api/datasets/export?', '').replace(/&format=\w+$/, '');
  const api = await apiGet<Preview>(request, server, `/datasets/preview?${query}`);
  const { train, validation, test: testRows } = api.counts.rows;
  expect(train).toBeGreaterThan(100);
  await expect(page.getByLabel('Rows per split')).toContainText(`train ${train.toLocaleString('en-US')} · validation ${validation.toLocaleString('en-US')} · test ${testRows.toLocaleString('en-US')}`);
  await expect(page.getByRole('table', { name: 'Preview rows' }).getByRole('row')).toHaveCount(21);
  await screenshot(page, testInfo, 'datasets-preview');

  // Download as CSV: the file is the dataset.
  await page.getByLabel('Download format').selectOption('csv');
  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  expect(file.suggestedFilename()).toMatch(/^QQQ-SPY_1d_.*\.csv$/);
  const csv = await (await import('node:fs/promises')).readFile((await file.path())!, 'utf8');
  const lines = csv.trimEnd().split('\n');
  expect(lines[0]).toBe('ticker,timestamp,rsi_14,sma_20,macd_hist,return_5,label,split');
  expect(lines.length - 1).toBe(train + validation + testRows);

  // Save it, register a model trained on it, and follow the lineage both ways.
  const name = `e2e-${Date.now()}`;
  const save = page.getByRole('form', { name: 'Save version' });
  await save.getByLabel('Name').fill(name);
  await save.getByRole('button', { name: 'Save version' }).click();
  await expect(save.getByRole('status')).toHaveText(`Saved as ${name} v1`);
  const { datasets } = await apiGet<{ datasets: { id: string; name: string }[] }>(request, server, `/datasets?name=${name}`);
  const registered = await request.post(`${server.url}/api/models`, {
    headers: { Authorization: `Bearer ${server.adminKey}` },
    data: { name: `${name}-xgb`, version: '1.0.0', algorithm: 'xgboost', ticker: 'SPY', timeframe: '1d', datasetId: datasets[0]!.id },
  });
  expect(registered.status()).toBe(200);

  await page.reload();
  await page.getByRole('list', { name: 'Dataset versions' }).getByRole('button', { name: new RegExp(name) }).click();
  const lineage = page.getByLabel('Dataset lineage');
  await expect(lineage).toContainText(`${name}-xgb v1.0.0 · xgboost`);
  await screenshot(page, testInfo, 'datasets-lineage');

  await page.getByRole('tab', { name: 'Models' }).click();
  await page.getByRole('radiogroup', { name: 'Scope' }).getByRole('radio', { name: 'All series' }).click();
  await page.getByRole('cell', { name: `${name}-xgb 1.0.0`, exact: true }).click();
  await expect(page.getByRole('complementary', { name: 'Model details' })).toContainText(`${name} v1`);
});
