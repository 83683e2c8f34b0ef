// The chart: ticker and timeframe switching against the API's newest bar, indicator panes, and
// the keyboard shortcuts.
import { formatMarketTime, formatPrice } from '../web/src/app/format';
import { apiGet, expect, screenshot, test } from './fixtures';

interface LatestBar {
  bar: { timestamp: string; open: number; high: number; low: number; close: number } | null;
}

test('switching ticker and timeframe shows the API’s latest bar', async ({ adminPage: page, server, request }, testInfo) => {
  const search = page.getByRole('combobox', { name: 'Search ticker' });
  await search.fill('qq');
  await expect(page.getByRole('option', { name: /QQQ/ })).toBeVisible();
  await search.press('Enter');
  await page.getByRole('group', { name: 'Timeframe' }).getByRole('button', { name: '4h' }).click();

  const chart = page.getByRole('region', { name: 'QQQ 4h price chart' });
  await expect(chart).toBeVisible();
  const { bar } = await apiGet<LatestBar>(request, server, '/market-data/latest?ticker=QQQ&timeframe=4h');
  expect(bar).not.toBeNull();
  const legend = chart.getByRole('group', { name: 'Bar values' });
  const time = legend.getByRole('group', { name: 'Time' }).locator('time');
  await expect(time).toHaveAttribute('datetime', bar!.timestamp);
  await expect(time).toHaveText(formatMarketTime(bar!.timestamp));
  for (const [name, value] of [['Open', bar!.open], ['High', bar!.high], ['Low', bar!.low], ['Close', bar!.close]] as const) {
    // The raw number the chart holds, and what it shows.
    const shown = legend.getByRole('group', { name, exact: true }).locator('data');
    await expect(shown).toHaveAttribute('value', String(value));
    await expect(shown).toHaveText(formatPrice(value));
  }
  await screenshot(page, testInfo, 'chart-qqq-4h');

  // Daily bars carry session dates.
  await page.getByRole('group', { name: 'Timeframe' }).getByRole('button', { name: '1d' }).click();
  const daily = await apiGet<LatestBar>(request, server, '/market-data/latest?ticker=QQQ&timeframe=1d');
  const dailyLegend = page.getByRole('region', { name: 'QQQ 1d price chart' }).getByRole('group', { name: 'Bar values' });
  await expect(dailyLegend.getByRole('group', { name: 'Close' }).locator('data')).toHaveAttribute('value', String(daily.bar!.close));
  await expect(dailyLegend.getByRole('group', { name: 'Time' }).locator('time')).toHaveText(formatMarketTime(daily.bar!.timestamp, true));
});

test('an oscillator opens in its own pane from the indicator menu', async ({ adminPage: page }, testInfo) => {
  await page.getByRole('button', { name: /^Indicators/ }).click();
  const menu = page.getByRole('menu', { name: 'Indicators' });
  await menu.getByRole('menuitemcheckbox', { name: 'RSI 14' }).click();
  await menu.getByRole('menuitemcheckbox', { name: 'MACD' }).click();
  await expect(menu.getByRole('menuitemcheckbox', { name: 'RSI 14' })).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();

  const rsi = page.getByRole('group', { name: 'RSI 14 pane' });
  const macd = page.getByRole('group', { name: 'MACD pane' });
  await expect(rsi).toBeVisible();
  await expect(macd).toBeVisible();
  // Each oscillator sits in its own pane, below the price pane.
  const [rsiBox, macdBox, chartBox] = await Promise.all([rsi.boundingBox(), macd.boundingBox(), page.getByRole('region', { name: /price chart/ }).boundingBox()]);
  expect(rsiBox!.y).toBeGreaterThan(chartBox!.y + 100);
  expect(macdBox!.y).toBeGreaterThan(rsiBox!.y + 20);
  await screenshot(page, testInfo, 'chart-indicator-panes');

  // The selection is remembered across a reload.
  await page.reload();
  await expect(page.getByRole('group', { name: 'RSI 14 pane' })).toBeVisible();
});

test('keyboard shortcuts: help, search, timeframes, theme', async ({ adminPage: page }, testInfo) => {
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await expect(help).toContainText('Search tickers');
  await screenshot(page, testInfo, 'shortcuts');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  await page.keyboard.press('3');
  await expect(page.getByRole('group', { name: 'Timeframe' }).getByRole('button', { name: '15m' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('region', { name: 'SPY 15m price chart' })).toBeVisible();

  await page.keyboard.press('/');
  await expect(page.getByRole('combobox', { name: 'Search ticker' })).toBeFocused();
  await page.keyboard.type('iwm');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'IWM 15m price chart' })).toBeVisible();

  await page.keyboard.press('t');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await screenshot(page, testInfo, 'workspace-light');
  await page.keyboard.press('t');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});
