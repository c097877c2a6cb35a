// Launch Debian's chromium through playwright-core (never a downloaded browser build).
// playwright's launch() gives each browser a fresh temporary user-data dir (removed on close);
// each launch also gets a fresh context.
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export const CHROMIUM_PATH = process.env.ANJIAN_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * launchBrowser({viewport, locale}) → {browser, context, page, errors, close()}
 * errors collects uncaught page errors (a test may assert it stays empty).
 */
export async function launchBrowser({ viewport = { width: 1366, height: 800 }, locale = 'zh-CN' } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 90_000 });
  const context = await browser.newContext({ viewport, locale, timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    browser, context, page, errors,
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
    },
  };
}

/** Screenshot to $ANJIAN_ARTIFACTS/console-<name>.png when that variable is set. */
export async function screenshot(page, name) {
  const dir = process.env.ANJIAN_ARTIFACTS;
  if (!dir) return null;
  await mkdir(dir, { recursive: true });
  const file = join(dir, `console-${name}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  return file;
}
