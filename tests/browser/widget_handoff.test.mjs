// The widget's side of a handoff (ADR 0014) and the scroll fix of issue 19, on the real view,
// parser and transcript fed through the test-only fixture bundle (no server): "finding a
// consultant" with the wait, who joined, the consultant's typing, the assistant back; and an
// answer followed by suggested actions stays fully in view.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { here, launch, repo_root, screenshot, watch_page } from './lib/browser.mjs';
import { serve_static } from './lib/static_server.mjs';

const dist = join(repo_root, 'web', 'widget', 'dist');
let server;
let browser;

before(async () => {
  if (!existsSync(join(dist, 'test', 'parley-widget-fixture.js'))) {
    throw new Error('web/widget/dist is missing: run `npm run build` in web/widget (scripts/install-npm.sh does)');
  }
  server = await serve_static({ '/widget/': dist, '/test/': join(dist, 'test'), '/': join(here, 'pages') });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function fixture_page(viewport) {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const report = await watch_page(page);
  await page.goto(`${server.origin}/fixture.html`);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.waitForFunction(() => window.ParleyFixture !== undefined);
  await page.evaluate(() => window.ParleyFixture.open());
  return { page, report };
}

const ingest = (page, activities) => page.evaluate((a) => window.ParleyFixture.ingest(a), activities);
const bot = { id: 'bankx-assistant', name: 'BankX Assistant', role: 'bot' };
const user = { id: 'dl_fixture_user', role: 'user' };
let serial = 0;
const message = (from, text, extra = {}) => ({ type: 'message', id: `m${++serial}`, timestamp: '2024-05-01T08:30:00Z', from, text, ...extra });
const handoff = (value) => ({ type: 'event', name: 'parley.handoff', id: `h${++serial}`, timestamp: '2024-05-01T08:30:00Z', from: bot, value });

/** How the newest entry's last line and timestamp sit in the transcript's visible box. */
async function last_entry_in_view(page) {
  return page.evaluate(() => {
    const root = document.querySelector('parley-widget').shadowRoot;
    const t = root.querySelector('.transcript').getBoundingClientRect();
    const entries = root.querySelectorAll('.transcript .entry');
    const last = entries[entries.length - 1];
    const bubble = last.querySelector('.bubble').getBoundingClientRect();
    const time = last.querySelector('time').getBoundingClientRect();
    return { view_bottom: Math.round(t.bottom), bubble_bottom: Math.round(bubble.bottom), time_bottom: Math.round(time.bottom) };
  });
}

// Issue 19, 6: the button row appeared after the scroll to the end and hid the last lines of the
// answer and its timestamp. Desktop and phone.
for (const viewport of [null, { width: 390, height: 740 }]) {
  test(`an answer followed by suggested actions stays fully in view (${viewport ? 'phone' : 'desktop'})`, async () => {
    const { page, report } = await fixture_page(viewport);
    const filler = [];
    for (let i = 0; i < 8; i += 1) filler.push(message(i % 2 ? bot : user, `message ${i}: ${'some words '.repeat(12)}`));
    await ingest(page, filler);
    const answer = Array.from({ length: 6 }, (_, i) => `Line ${i + 1} of a long answer with several lines.`).join('\n\n');
    await ingest(page, [
      message(bot, answer, {
        suggestedActions: { actions: ['Block my card', 'Order a new card', 'Talk to a person'].map((t) => ({ type: 'imBack', title: t, value: t })) },
      }),
    ]);
    const geo = await last_entry_in_view(page);
    await screenshot(page, `handoff-scroll-${viewport ? 'phone' : 'desktop'}`);
    assert.ok(geo.bubble_bottom <= geo.view_bottom, `the answer's last line is hidden: ${JSON.stringify(geo)}`);
    assert.ok(geo.time_bottom <= geo.view_bottom, `the answer's timestamp is hidden: ${JSON.stringify(geo)}`);
    assert.deepEqual(await report.violations(), []);
    await page.close();
  });
}
