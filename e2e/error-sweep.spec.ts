// The error sweep: signed in as admin, it opens every dock view, then shows every timeframe of
// every watchlist ticker (with a different dock view open each time), and fails on any error
// anywhere: an element marked as an error state (data-state="error", role="alert": QueryView's
// ErrorState, the chart's banners, inline form errors), error-like text, a console error or an
// uncaught exception, or an API call that failed. tRPC answers a streamed batch with 200 and puts
// a failed call's error in the body, so /trpc bodies are read too. Each check waits until the
// page has settled (nothing aria-busy, no API call in flight for a moment), and the chart must
// show the selected series with its indicator values, so the sweep cannot pass by looking early.
import type { Page } from '@playwright/test';
import { expect, signInWithKey, test } from './fixtures';

const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
const DOCK_VIEWS = ['Predictions', 'Accuracy', 'Models', 'Trading', 'Data', 'API keys'] as const;
const ERROR_TEXT = /could not be loaded|\bfailed\b|\berror\b|something went wrong|unavailable|not allowed|rate limit|session has ended/i;
/** A failed call inside a tRPC response body (the error formatter keeps tRPC's data.httpStatus). */
const TRPC_ERROR = /"httpStatus":\s*([45]\d\d)/;
const QUIET_MS = 500;

/** Records every problem the page shows or logs, with the step it happened in. */
class ErrorWatch {
  readonly problems: string[] = [];
  private step = 'sign-in';
  private inflight = 0;
  private lastActivity = Date.now();

  constructor(page: Page) {
    const isApi = (url: string) => /\/(trpc|api)\//.test(new URL(url).pathname);
    page.on('console', (message) => {
      if (message.type() === 'error') this.report(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.report(`uncaught: ${error.message}`));
    page.on('request', (request) => {
      if (isApi(request.url())) this.begin();
    });
    page.on('requestfailed', (request) => {
      if (!isApi(request.url())) return;
      // Polls cut short by navigation or a changed query key are aborted on purpose.
      if (!/ERR_ABORTED/.test(request.failure()?.errorText ?? '')) this.report(`${request.method()} ${request.url()} failed: ${request.failure()?.errorText}`);
      this.end();
    });
    page.on('response', async (response) => {
      const url = response.url();
      if (!isApi(url)) return;
      const where = `${response.request().method()} ${new URL(url).pathname}`;
      try {
        if (response.status() >= 400) this.report(`${where} answered ${response.status()}`);
        else if (new URL(url).pathname.startsWith('/trpc/')) {
          const failed = TRPC_ERROR.exec(await response.text());
          if (failed) this.report(`${where} carried a failed call (${failed[1]}): ${decodeURIComponent(new URL(url).search).slice(0, 300)}`);
        }
      } catch {
        // The body is gone when the page navigated away meanwhile.
      } finally {
        this.end();
      }
    });
  }

  /** Names what comes next; the page counts as busy for QUIET_MS from here, so a check never runs before the action's requests start. */
  at(step: string) {
    this.step = step;
    this.lastActivity = Date.now();
  }

  report(problem: string) {
    this.problems.push(`[${this.step}] ${problem}`);
  }

  /** How long no API call has been in flight (0 while one is). */
  quietFor(): number {
    return this.inflight > 0 ? 0 : Date.now() - this.lastActivity;
  }

  private begin() {
    this.inflight += 1;
    this.lastActivity = Date.now();
  }

  private end() {
    this.inflight = Math.max(0, this.inflight - 1);
    this.lastActivity = Date.now();
  }

  /** Waits until the page has settled, then fails on any error state it shows or any problem recorded so far. */
  async check(page: Page) {
    await expect
      .poll(async () => (await page.locator('[aria-busy="true"]').count()) === 0 && this.quietFor() >= QUIET_MS, {
        message: `${this.step}: the page settles`,
        timeout: 30_000,
        intervals: [100, 250],
      })
      .toBe(true);
    for (const element of await page.locator('[data-state="error"], [role="alert"]').all()) {
      if (await element.isVisible()) this.report(`error state shown: "${(await element.innerText()).trim()}"`);
    }
    const text = await page.locator('body').innerText();
    for (const line of text.split('\n')) if (ERROR_TEXT.test(line)) this.report(`error text shown: "${line.trim()}"`);
    expect(this.problems, 'errors seen during the sweep').toEqual([]);
  }
}

test('no view, timeframe or ticker shows an error', async ({ page, server }) => {
  test.setTimeout(240_000);
  const watch = new ErrorWatch(page);
  await signInWithKey(page, server.adminKey);
  watch.at('first screen');
  await watch.check(page);

  const tabs = page.getByRole('tablist', { name: 'Views' });
  for (const view of DOCK_VIEWS) {
    watch.at(`dock view ${view}`);
    await tabs.getByRole('tab', { name: view }).click();
    await expect(tabs.getByRole('tab', { name: view })).toHaveAttribute('aria-selected', 'true');
    await watch.check(page);
  }

  const watchlist = page.getByRole('list', { name: 'Tickers' });
  const tickers = await watchlist.locator('.watch-symbol').allInnerTexts();
  expect(tickers).toEqual(expect.arrayContaining(['SPY', 'QQQ', 'IWM', 'UVXY']));

  let visit = 0;
  for (const timeframe of TIMEFRAMES) {
    watch.at(`timeframe ${timeframe}`);
    await page.getByRole('group', { name: 'Timeframe' }).getByRole('button', { name: timeframe, exact: true }).click();
    for (const ticker of tickers) {
      // A different dock view each time, so every view is seen with several series.
      const view = DOCK_VIEWS[visit++ % DOCK_VIEWS.length]!;
      const step = `${ticker} ${timeframe}, ${view}`;
      watch.at(step);
      await watchlist.getByRole('button', { name: new RegExp(`^${ticker}\\b`) }).click();
      await tabs.getByRole('tab', { name: view }).click();
      await watch.check(page);
      // The chart shows this series, with the default indicators' values at its newest bar.
      const chart = page.getByRole('region', { name: `${ticker} ${timeframe} price chart` });
      await expect(chart, step).toBeVisible();
      for (const indicator of ['SMA 20', 'SMA 50']) {
        const value = chart.getByRole('group', { name: 'Overlay values' }).getByRole('group', { name: indicator }).locator('data');
        await expect(value, `${step}: ${indicator} at the newest bar`).toHaveAttribute('value', /^-?\d/);
      }
    }
  }

  // Anything that showed up after the last step's check.
  watch.at('end');
  await watch.check(page);
});
