// Paper trading: an order from the ticket fills and the portfolio shows the new position.
import { apiGet, expect, screenshot, test } from './fixtures';

interface Portfolio {
  positions: { ticker: string; quantity: number }[];
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
  expect(after.positions.find((p) => p.ticker === 'SPY')?.quantity).toBe(held + 7);

  await expect(page.getByRole('group', { name: 'SPY position' }).getByRole('definition').first()).toHaveText(String(held + 7));
  await page.getByRole('tab', { name: 'Trading' }).click();
  const positions = page.getByRole('table', { name: 'Positions' });
  await expect(positions.getByRole('row', { name: /^SPY/ }).getByRole('cell').nth(1)).toHaveText(String(held + 7));
  await screenshot(page, testInfo, 'trading');

  await page.getByRole('radio', { name: 'History' }).click();
  await expect(page.getByRole('table', { name: 'Trade history' }).getByRole('row').nth(1)).toContainText('FILLED');
});
