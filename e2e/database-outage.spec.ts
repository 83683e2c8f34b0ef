// A database outage in the SPA: while the API answers 503 "database unavailable" (as the server
// does while PostgreSQL is down, see server/http/database-restart.test.ts), one notice covers the
// screen instead of an error per panel, and the view recovers by itself once the API answers again.
import { expect, test } from './fixtures';

const UNAVAILABLE = {
  status: 503,
  contentType: 'application/json',
  headers: { 'Retry-After': '1' },
  body: JSON.stringify({ success: false, error: 'The database is unavailable; retry shortly' }),
};

test('a 503 from the API shows one "Database unavailable, retrying…" notice and recovers by itself', async ({ adminPage: page }) => {
  await page.getByRole('tab', { name: 'Data', exact: true }).click();
  await expect(page.getByRole('table', { name: 'Coverage by session' })).toBeVisible();

  await page.route('**/trpc/**', (route) => route.fulfill(UNAVAILABLE));
  await page.route('**/api/health', (route) => route.fulfill(UNAVAILABLE));
  await page.getByRole('tab', { name: 'Models', exact: true }).click();
  const notice = page.getByRole('alert').filter({ hasText: 'Database unavailable, retrying…' });
  await expect(notice).toHaveCount(1);
  await expect(notice).toBeVisible();

  await page.unroute('**/trpc/**');
  await page.unroute('**/api/health');
  await expect(notice).toHaveCount(0, { timeout: 10_000 });
  await page.getByRole('tab', { name: 'Data', exact: true }).click();
  await expect(page.getByRole('table', { name: 'Coverage by session' })).toBeVisible();
});
