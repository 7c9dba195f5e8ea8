import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Dialect } from '../../src/platform/database.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { buildApp, type App } from '../../src/http/app.ts';
import { createTestRuntime, type TestRuntime } from './runtime.ts';

/** Debian's Chromium; scripts/test-services.sh installs it. */
export const CHROMIUM = process.env.KEYLEDGER_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** Where screenshots of every page visited are kept, as test artifacts. */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-artifacts', 'screenshots');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface BrowserSuite {
  t: TestRuntime;
  app: App;
  /** http://localhost:<port>: a secure context for WebAuthn, and the RP ID `localhost`. */
  baseUrl: string;
  browser: Browser;
  /** A fresh browser profile (cookies, virtual authenticators) for one user. */
  newContext(): Promise<BrowserContext>;
  /** Saves a full-page screenshot named `<dialect>-<name>.png`. */
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real Keyledger server on 127.0.0.1 (a fresh database of `dialect`) and a
 * real headless Chromium pointed at it through http://localhost.
 */
export async function startBrowserSuite(dialect: Dialect, options: { env?: Record<string, string>; clock?: Clock } = {}): Promise<BrowserSuite> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const t = await createTestRuntime(dialect, { clock: options.clock, env: { KEYLEDGER_PUBLIC_URL: baseUrl, ...options.env } });
  const app = await buildApp(t.rt);
  await app.listen({ host: '127.0.0.1', port });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    t,
    app,
    baseUrl,
    browser,
    newContext: () => browser.newContext({ baseURL: baseUrl }),
    async screenshot(page, name) {
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${dialect}-${name}.png`), fullPage: true });
    },
    async close() {
      await browser.close();
      await app.close();
      await t.close();
    },
  };
}
