// End-to-end suite: the real server (embedded PostgreSQL + demo data on a throwaway directory, see
// scripts/e2e-server.mjs) driven through Debian's chromium, one worker, screenshots of every main
// view under test-results/screenshots.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  // Not test-results itself: Playwright empties its outputDir, and the server info lives there.
  outputDir: 'test-results/playwright',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // scripts/run-tests.mjs sets PLAYWRIGHT_JSON_OUTPUT_NAME and reads the JSON for CI's summary line.
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1600, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Playwright cannot download browsers here; Debian's chromium is installed with apt.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Without the background-networking flags chromium floods the closed network.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: 'node scripts/e2e-server.mjs',
    // The script prints this once the server is up and its sign-in link and key are recorded.
    wait: { stdout: /E2E server ready at (?<qb_e2e_url>http\S+)/ },
    timeout: 300_000,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
  },
});
