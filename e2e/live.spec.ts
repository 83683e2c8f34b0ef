// The chart goes live: a bar POSTed through the REST API (as a bot or the Polygon stream would write
// it) changes the last candle, then a newer one is appended, without a reload.
import { formatMarketTime } from '../web/src/app/format';
import { apiGet, expect, screenshot, test } from './fixtures';

interface LatestBar {
  bar: { timestamp: string; open: number; high: number; low: number; close: number; volume: number } | null;
}

test('the chart’s last candle follows bars written through the API, without a reload', async ({ adminPage: page, server, request }, testInfo) => {
  const search = page.getByRole('combobox', { name: 'Search ticker' });
  await search.fill('qq');
  await expect(page.getByRole('option', { name: /QQQ/ })).toBeVisible();
  await search.press('Enter');
  await page.getByRole('group', { name: 'Timeframe' }).getByRole('button', { name: '1m', exact: true }).click();
  const chart = page.getByRole('region', { name: 'QQQ 1m price chart' });
  await expect(chart).toBeVisible();
  // On a loaded machine the database gate may answer a 503 for a moment; the SPA retries the stream after 5 s.
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });

  const { bar } = await apiGet<LatestBar>(request, server, '/market-data/latest?ticker=QQQ&timeframe=1m');
  expect(bar).not.toBeNull();
  const legend = chart.getByRole('group', { name: 'Bar values' });
  const close = legend.getByRole('group', { name: 'Close', exact: true }).locator('data');
  const time = legend.getByRole('group', { name: 'Time' }).locator('time');
  await expect(time).toHaveAttribute('datetime', bar!.timestamp);
  const navigations: string[] = [];
  page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations.push(frame.url()));

  const write = async (b: { timestamp: string; close: number }) => {
    const high = Math.max(bar!.high, b.close) + 0.5;
    const low = Math.min(bar!.low, b.close) - 0.5;
    const res = await request.post(`${server.url}/api/market-data/bulk`, {
      headers: { Authorization: `Bearer ${server.adminKey}` },
      data: { bars: [{ ticker: 'QQQ', timeframe: '1m', timestamp: b.timestamp, open: bar!.open, high, low, close: b.close, volume: bar!.volume + 1 }] },
    });
    expect(res.status()).toBe(200);
  };

  // The last bar corrected: its close changes in place.
  const corrected = Math.round((bar!.close + 1.25) * 100) / 100;
  await write({ timestamp: bar!.timestamp, close: corrected });
  await expect(close).toHaveAttribute('value', String(corrected));
  await expect(time).toHaveAttribute('datetime', bar!.timestamp);

  // A new minute: appended as the last candle.
  const next = new Date(Date.parse(bar!.timestamp) + 60_000).toISOString();
  const appended = Math.round((corrected - 0.75) * 100) / 100;
  await write({ timestamp: next, close: appended });
  await expect(time).toHaveAttribute('datetime', next);
  await expect(time).toHaveText(formatMarketTime(next));
  await expect(close).toHaveAttribute('value', String(appended));
  expect(navigations).toEqual([]);
  await screenshot(page, testInfo, 'chart-live-appended');
});

test('an order a bot places and cancels over REST shows in the open blotter by its events, without polling', async ({ adminPage: page, server, request }) => {
  await page.getByRole('tab', { name: 'Trading' }).click();
  await page.getByRole('radio', { name: 'Orders' }).click();
  const blotter = page.getByRole('table', { name: 'Open orders' });
  await expect(blotter).toBeVisible();
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live', { timeout: 20_000 });

  // While the stream is live the blotter does not poll (it does every 5 s while it is down).
  const refetches: string[] = [];
  page.on('request', (r) => r.url().includes('trading.orders') && refetches.push(r.url()));
  await page.waitForTimeout(6_000);
  expect(refetches).toEqual([]);

  const headers = { Authorization: `Bearer ${server.adminKey}` };
  const placed = await request.post(`${server.url}/api/trading/execute`, {
    headers,
    data: { ticker: 'IWM', side: 'BUY', type: 'LIMIT', quantity: 2, limitPrice: '1.75', timeInForce: 'GTC' }, // far below the price: it rests
  });
  expect(placed.status()).toBe(200);
  const { order } = (await placed.json()) as { order: { id: string } };
  // The order's event refreshes it.
  const row = blotter.getByRole('row', { name: /1\.75/ });
  await expect(row).toBeVisible({ timeout: 3_000 });
  expect((await request.delete(`${server.url}/api/trading/orders/${order.id}`, { headers })).status()).toBe(200);
  await expect(row).toHaveCount(0, { timeout: 3_000 });
});
