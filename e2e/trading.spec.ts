// Paper trading: an order from the ticket fills and the portfolio shows the new position.
import { apiGet, expect, screenshot, test } from './fixtures';

interface Portfolio {
  positions: { ticker: string; quantity: number; avgEntryPrice: number; unrealizedPnL: number | null; realizedPnL: number }[];
}

interface History {
  trades: { ticker: string; side: string; type: string; quantity: number; price: number; totalValue: number; strategy: string | null; orderTime: string; status: string }[];
}

test('a paper order from the ticket changes the portfolio', async ({ adminPage: page, server, request }, testInfo) => {
  const before = await apiGet<Portfolio>(request, server, '/trading/portfolio');
  const held = before.positions.find((p) => p.ticker === 'SPY')?.quantity ?? 0;

  const ticket = page.getByRole('form', { name: 'Order ticket' });
  await ticket.getByRole('radio', { name: 'Buy' }).click();
  await ticket.getByLabel('Quantity').fill('7');
  await ticket.getByRole('button', { name: 'Buy 7 SPY' }).click();
  await expect(ticket.getByRole('status')).toContainText('Filled BUY 7 SPY @');

  const after = await apiGet<Portfolio>(request, server, '/trading/portfolio');
  const spy = after.positions.find((p) => p.ticker === 'SPY')!;
  expect(spy.quantity).toBe(held + 7);
  // The order as the API records it, under the plan's names.
  const { trades } = await apiGet<History>(request, server, '/trading/history?limit=1');
  expect(trades[0]).toMatchObject({ ticker: 'SPY', side: 'BUY', type: 'MARKET', quantity: 7, status: 'FILLED', strategy: 'Manual' });
  expect(trades[0]!.totalValue).toBeCloseTo(7 * trades[0]!.price, 6);

  const summary = page.getByRole('group', { name: 'SPY position' });
  await expect(summary.getByRole('definition').first()).toHaveText(String(held + 7));
  await expect(summary).toContainText('Avg entry price');
  await page.getByRole('tab', { name: 'Trading' }).click();
  const positions = page.getByRole('table', { name: 'Positions' });
  await expect(positions.getByRole('row', { name: /^SPY/ }).getByRole('cell').nth(1)).toHaveText(String(held + 7));
  for (const header of ['Avg entry', 'Unrealised P&L', 'Unrealised %', 'Realised P&L']) await expect(positions.getByRole('columnheader', { name: header, exact: true })).toBeVisible();
  await screenshot(page, testInfo, 'trading');

  await page.getByRole('radio', { name: 'History' }).click();
  const history = page.getByRole('table', { name: 'Trade history' });
  await expect(history.getByRole('row').nth(1)).toContainText('FILLED');
  await expect(history.getByRole('row').nth(1)).toContainText('Manual');
  for (const header of ['Order time (ET)', 'Type', 'Value', 'P&L', 'P&L %', 'Strategy']) await expect(history.getByRole('columnheader', { name: header, exact: true })).toBeVisible();
});
