// Launches Debian's Chromium through playwright-core with a fresh temporary profile, and collects
// what a page reports: CSP violations, console errors, uncaught exceptions and dialogs (an XSS
// payload that ran would open one).
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repo_root = join(here, '..', '..');
export const artifacts = join(here, 'artifacts');

const chromium_args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A browser context on a throw-away profile; `close()` removes the profile. */
export async function launch(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: chromium_args,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** One Chromium for many contexts (each with its own cookies), e.g. one per consultant. */
export async function launch_browser() {
  const browser = await chromium.launch({
    executablePath: process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: chromium_args,
  });
  return {
    browser,
    newContext: (options = {}) => browser.newContext({ viewport: { width: 1280, height: 800 }, ...options }),
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/**
 * Starts recording what `page` reports: CSP violations (through an init script, which CSP does not
 * govern), uncaught exceptions and dialogs. Call before the first navigation.
 */
export async function watch_page(page) {
  const report = { page_errors: [], dialogs: [] };
  await page.addInitScript(() => {
    window.__csp_violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp_violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
    });
  });
  page.on('pageerror', (e) => report.page_errors.push(String(e)));
  page.on('dialog', (d) => {
    report.dialogs.push(d.message());
    void d.dismiss();
  });
  report.violations = () => page.evaluate(() => window.__csp_violations);
  return report;
}

export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
