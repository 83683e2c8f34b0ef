// The error sweep: signed in as admin, it opens every dock view, then shows every timeframe of
// every watchlist ticker (with a different dock view open each time); signed in with narrower
// keys (the plan's bot and ML-service keys, single scopes), every view they can open. It fails on
// any error anywhere: an element marked as an error state (data-state="error", role="alert": QueryView's
// ErrorState, the chart's banners, inline form errors), error-like text, a console error or an
// uncaught exception, or an API call that failed. tRPC answers a streamed batch with 200 and puts
// a failed call's error in the body, so /trpc bodies are read too. Each check waits until the
// page has settled (nothing aria-busy, no API call in flight for a moment), and the chart must
// show the selected series with its indicator values, so the sweep cannot pass by looking early.
import type { APIRequestContext, Page } from '@playwright/test';
import { ENV_KEY_SCOPES, type Scope } from '../server/auth/schema';
import { expect, signInWithKey, test, type ServerInfo } from './fixtures';

const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
const DOCK_VIEWS = ['Predictions', 'Accuracy', 'Models', 'Trading', 'Data', 'Datasets', 'API keys'] as const;
const ERROR_TEXT = /could not be loaded|\bfailed\b|\berror\b|something went wrong|unavailable|not allow|rate limit|session has ended/i;
/**
 * Column titles and controls name things ("Error" column, a "failed 0" state filter) rather than
 * report them: the text scan reads every other visible line (table cells one by one).
 */
const LABELS = 'th, [role="columnheader"], button, [role="tab"], [role="radio"], option, label';
async function visibleMessageText(page: Page): Promise<string[]> {
  const cells = (text: string) => text.split(/[\n\t]/).map((cell) => cell.trim()).filter(Boolean);
  const labels = new Set((await page.locator(LABELS).allInnerTexts()).flatMap(cells));
  return cells(await page.locator('body').innerText()).filter((cell) => !labels.has(cell));
}
/** How long no API call may have been in flight before the page counts as settled. */
const QUIET_MS = 500;
/**
 * The live subscription (one Server-Sent Events request held open for the tab's life, closed and
 * reopened when the views' channels change) is never "in flight" for settling, and its body is not
 * a tRPC answer to read whole: its opening status is checked instead.
 */
const isLiveStream = (url: string) => new URL(url).pathname === '/trpc/events.live';
const isApi = (url: string) => /^\/(trpc|api)\//.test(new URL(url).pathname) && !isLiveStream(url);

interface TrpcError {
  error: string;
  details?: unknown;
  data: { path?: string; httpStatus: number };
}

/**
 * The failed calls in a tRPC response body (JSON, or JSON lines when streamed), wherever the
 * encoding nests them: each error carries the router error formatter's data.path and httpStatus.
 */
function failedCalls(body: string): string[] {
  const found: string[] = [];
  const visit = (value: unknown) => {
    if (typeof value !== 'object' || value === null) return;
    const error = (value as { error?: TrpcError }).error;
    if (typeof error?.data?.httpStatus === 'number') {
      found.push(`${error.data.path ?? '?'} answered ${error.data.httpStatus}: ${error.error} ${JSON.stringify(error.details ?? '')}`);
    }
    Object.values(value).forEach(visit);
  };
  for (const line of body.split('\n')) if (line.trim()) visit(JSON.parse(line));
  return found;
}

/** Records every problem the page shows or logs, with the step it happened in. */
class ErrorWatch {
  readonly problems: string[] = [];
  private step = 'sign-in';
  private inflight = 0;
  private lastActivity = Date.now();

  /** Starts watching `page`; call before it loads anything. */
  static async on(page: Page): Promise<ErrorWatch> {
    const watch = new ErrorWatch();
    page.on('console', (message) => {
      if (message.type() === 'error') watch.report(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => watch.report(`uncaught: ${error.message}`));
    page.on('request', (request) => {
      if (isApi(request.url())) watch.touch(+1);
    });
    page.on('requestfinished', (request) => {
      if (isApi(request.url())) watch.touch(-1);
    });
    page.on('requestfailed', (request) => {
      if (!isApi(request.url())) return;
      // Polls cut short by a changed query key are aborted on purpose.
      const reason = request.failure()?.errorText ?? '';
      if (!reason.includes('ERR_ABORTED')) watch.report(`${request.method()} ${new URL(request.url()).pathname} failed: ${reason}`);
      watch.touch(-1);
    });
    page.on('response', (response) => {
      if ((isApi(response.url()) || isLiveStream(response.url())) && response.status() >= 400) watch.report(`${response.request().method()} ${new URL(response.url()).pathname} answered ${response.status()}`);
    });
    // tRPC streams batches (Chromium keeps no body of a streamed response to read afterwards), so
    // /trpc answers pass through here: fetched, read, then handed to the page whole.
    await page.route(/\/trpc\//, async (route) => {
      const url = new URL(route.request().url());
      if (isLiveStream(url.href)) return route.continue();
      try {
        const response = await route.fetch();
        const body = await response.text();
        for (const call of failedCalls(body)) watch.report(`tRPC call ${call}`);
        // Fails harmlessly when the page has cancelled the call meanwhile.
        await route.fulfill({ response, body }).catch(() => {});
      } catch (error) {
        watch.report(`${url.pathname} could not be fetched and checked: ${String(error)}`);
        await route.abort().catch(() => {});
      }
    });
    return watch;
  }

  private touch(change: number) {
    this.inflight = Math.max(0, this.inflight + change);
    this.lastActivity = Date.now();
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
    for (const line of await visibleMessageText(page)) if (ERROR_TEXT.test(line)) this.report(`error text shown: "${line.trim()}"`);
    expect(this.problems, 'errors seen during the sweep').toEqual([]);
  }
}

test('no view, timeframe or ticker shows an error', async ({ page, server }) => {
  test.setTimeout(240_000);
  const watch = await ErrorWatch.on(page);
  await signInWithKey(page, server.adminKey);
  watch.at('first screen');
  await watch.check(page);

  const tabs = page.getByRole('tablist', { name: 'Views' });
  for (const view of DOCK_VIEWS) {
    watch.at(`dock view ${view}`);
    await tabs.getByRole('tab', { name: view, exact: true }).click();
    await expect(tabs.getByRole('tab', { name: view, exact: true })).toHaveAttribute('aria-selected', 'true');
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
      await tabs.getByRole('tab', { name: view, exact: true }).click();
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

const NARROWER_KEYS: Record<string, readonly Scope[]> = {
  'trading bot': ENV_KEY_SCOPES.TRADING_BOT_API_KEY,
  'ML service': ENV_KEY_SCOPES.ML_SERVICE_API_KEY,
  'market:read': ['market:read'],
  'predictions:read': ['predictions:read'],
  'trading:read': ['trading:read'],
};

/** A new API key with `scopes`, created by the admin through the same procedure the API keys view calls. */
async function createKey(request: APIRequestContext, server: ServerInfo, name: string, scopes: readonly Scope[]): Promise<string> {
  const response = await request.post(`${server.url}/trpc/auth.keys.create`, {
    headers: { Authorization: `Bearer ${server.adminKey}` },
    data: { json: { name, scopes } },
  });
  expect(response.status()).toBe(200);
  return ((await response.json()) as { result: { data: { json: { key: string } } } }).result.data.json.key;
}

for (const [label, scopes] of Object.entries(NARROWER_KEYS)) {
  test(`signed in with the ${label} key, no view it can open shows an error`, async ({ browser, server, request }) => {
    const key = await createKey(request, server, `sweep ${label.replace(':', ' ')}`, scopes);
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1600, height: 900 } });
    const page = await context.newPage();
    const watch = await ErrorWatch.on(page);
    await signInWithKey(page, key);
    watch.at('first screen');
    await watch.check(page);
    const tabs = page.getByRole('tablist', { name: 'Views' });
    for (const view of await tabs.getByRole('tab').allTextContents()) {
      watch.at(`dock view ${view}`);
      await tabs.getByRole('tab', { name: view, exact: true }).click();
      await watch.check(page);
    }
    await context.close();
  });
}
