// The data view's webhooks section: a subscription made through the API is listed with its
// filters, and selecting it opens its (empty) delivery log; no secret reaches the page.
import { expect, screenshot, test } from './fixtures';

test('the data view lists webhook subscriptions and opens their delivery log', async ({ adminPage: page, server, request }, testInfo) => {
  // A public IP literal: accepted by the SSRF guard without DNS (nothing is sent without an event).
  const url = `http://93.184.215.14/quantbase-e2e-${Date.now()}`;
  const created = await request.post(`${server.url}/api/webhooks`, {
    headers: { Authorization: `Bearer ${server.adminKey}` },
    data: { url, events: ['order.filled', 'ingestion.failed'], tickers: ['SPY'] },
  });
  expect(created.status()).toBe(200);
  const { webhook } = (await created.json()) as { webhook: { id: string; secret: string } };

  await page.getByRole('tab', { name: 'Data', exact: true }).click();
  const table = page.getByRole('table', { name: 'Webhooks' });
  const row = table.getByRole('row').filter({ hasText: url });
  await expect(row).toContainText('order.filled, ingestion.failed');
  await expect(row).toContainText('SPY');
  await row.click();
  await expect(page.getByText('Nothing delivered yet.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'All webhooks' })).toBeVisible();
  await expect(page.getByText(webhook.secret)).toHaveCount(0);
  await expect(page.locator('[data-state="error"]')).toHaveCount(0);
  await screenshot(page, testInfo, 'data-webhooks');

  const deleted = await request.delete(`${server.url}/api/webhooks/${webhook.id}`, { headers: { Authorization: `Bearer ${server.adminKey}` } });
  expect(deleted.status()).toBe(200);
});
