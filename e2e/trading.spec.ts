// Paper trading: an order from the ticket fills and the portfolio shows the new position; a resting
// limit order shows in the blotter and is canceled from there; the account and equity curve show.
import { apiGet, expect, screenshot, test } from './fixtures';

// Amounts are decimal strings on the wire.
interface Portfolio {
  positions: { ticker: string; quantity: string; avgEntryPrice: string; unrealizedPnL: string | null; realizedPnL: string }[];
}

interface History {
  trades: { ticker: string; side: string; type: string; quantity: string; price: string; totalValue: string; strategy: string | null; orderTime: string; status: string }[];
}

interface Orders {
  orders: { id: string; status: string; type: string; limitPrice: string | null; statusReason: string | null }[];
}

test('a paper order from the ticket changes the portfolio', async ({ adminPage: page, server, request }, testInfo) => {
  const before = await apiGet<Portfolio>(request, server, '/trading/portfolio');
  const held = Number(before.positions.find((p) => p.ticker === 'SPY')?.quantity ?? 0);

  const ticket = page.getByRole('form', { name: 'Order ticket' });
  await ticket.getByRole('radio', { name: 'Buy' }).click();
  await ticket.getByLabel('Quantity').fill('7');
  await ticket.getByRole('button', { name: 'Buy 7 SPY' }).click();
  await expect(ticket.getByRole('status')).toContainText('Filled BUY 7 SPY @');

  const after = await apiGet<Portfolio>(request, server, '/trading/portfolio');
  const spy = after.positions.find((p) => p.ticker === 'SPY')!;
  expect(Number(spy.quantity)).toBe(held + 7);
  // The order as the API records it, under the plan's names.
  const { trades } = await apiGet<History>(request, server, '/trading/history?limit=1');
  expect(trades[0]).toMatchObject({ ticker: 'SPY', side: 'BUY', type: 'MARKET', quantity: '7', status: 'FILLED', strategy: 'Manual' });
  expect(Number(trades[0]!.totalValue)).toBeCloseTo(7 * Number(trades[0]!.price), 6);

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

test('a resting limit order shows in the blotter, is canceled there; the account and equity curve show', async ({ adminPage: page, server, request }, testInfo) => {
  const ticket = page.getByRole('form', { name: 'Order ticket' });
  await ticket.getByRole('radio', { name: 'Buy' }).click();
  await ticket.getByLabel('Quantity').fill('1'); // a fill, so the equity curve has a point
  await ticket.getByRole('button', { name: 'Buy 1 SPY' }).click();
  await expect(ticket.getByRole('status')).toContainText('Filled BUY 1 SPY @');
  await ticket.getByLabel('Quantity').fill('3');
  await ticket.getByLabel('Order type').selectOption('LIMIT');
  await ticket.getByLabel('Time in force').selectOption('GTC');
  await ticket.getByLabel('Limit price').fill('1.25'); // far below any SPY price: it rests
  await ticket.getByRole('button', { name: 'Buy 3 SPY' }).click();
  await expect(ticket.getByRole('status')).toContainText('NEW: BUY 3 SPY');
  const open = await apiGet<Orders>(request, server, '/trading/orders?status=open');
  const resting = open.orders.find((o) => o.limitPrice === '1.25')!;
  expect(resting).toMatchObject({ status: 'NEW', type: 'LIMIT' });

  await page.getByRole('tab', { name: 'Trading' }).click();
  const account = page.getByRole('group', { name: 'Account' });
  for (const card of ['Cash', 'Buying power', 'Equity', 'Day P&L', 'Total P&L']) await expect(account.getByLabel(card, { exact: true })).toBeVisible();
  const curve = page.getByRole('figure', { name: 'Equity curve' });
  await expect(curve.locator('.recharts-surface').first()).toBeVisible();
  await expect(curve).not.toContainText('No fills yet');

  await page.getByRole('radio', { name: 'Orders' }).click();
  const blotter = page.getByRole('table', { name: 'Open orders' });
  await expect(blotter.getByRole('row', { name: /1\.25/ })).toBeVisible();
  await screenshot(page, testInfo, 'trading-orders');
  await blotter.getByRole('row', { name: /1\.25/ }).getByRole('button', { name: 'Cancel BUY 3 SPY' }).click();
  await expect(blotter.getByRole('row', { name: /1\.25/ })).toHaveCount(0);
  await expect(page.getByRole('table', { name: 'Closed orders' }).getByRole('row', { name: /CANCELED/ }).first()).toBeVisible();
  const closed = await apiGet<Orders>(request, server, '/trading/orders?status=closed');
  expect(closed.orders.find((o) => o.id === resting.id)).toMatchObject({ status: 'CANCELED', statusReason: 'canceled by request' });
});
