// The widget's side of a handoff (ADR 0021) and the scroll fix of issue 19, on the real view,
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

test('handoff: finding a consultant with the wait, who joined, their typing and messages, the assistant back', async () => {
  const { page, report } = await fixture_page();
  await ingest(page, [message(bot, 'I will connect you with one of our consultants.'), handoff({ state: 'waiting' })]);
  const bar = page.locator('parley-widget .handoff');
  assert.equal(await bar.innerText(), 'Finding a consultant for you…');
  assert.equal(await bar.getAttribute('role'), 'status', 'the wait is a status region, apart from the log');
  await ingest(page, [handoff({ state: 'waiting', position: 2, estimatedWaitSeconds: 150 })]);
  assert.equal(await bar.innerText(), 'Finding a consultant for you… You are number 2 in the queue. Expected wait: about 3 min.');
  await screenshot(page, 'handoff-waiting');
  const anna = { id: 'consultant', name: 'Anna', role: 'bot' };
  await ingest(page, [handoff({ state: 'accepted', consultant: { name: 'Anna' } })]);
  assert.equal(await bar.isHidden(), true);
  await page.evaluate(() => window.ParleyFixture.typing(true, 'Anna'));
  assert.equal(await page.locator('parley-widget .typing').innerText(), 'Anna is typing…');
  await ingest(page, [message(anna, 'Hello, I am Anna. How can I help?')]);
  await page.evaluate(() => window.ParleyFixture.typing(false, null));
  const steps = page.locator('parley-widget .divider.handoff-step');
  assert.deepEqual(await steps.allInnerTexts(), ['Anna (consultant) joined the conversation.']);
  const last = await page.evaluate(() => {
    const entries = document.querySelector('parley-widget').shadowRoot.querySelectorAll('.entry');
    return entries[entries.length - 1].textContent;
  });
  assert.match(last, /^Anna \(consultant\)Hello, I am Anna/, 'the consultant speaks under their display name');
  const sender = page.locator('parley-widget .entry.bot .sender');
  assert.deepEqual(await sender.allInnerTexts(), ['Anna (consultant)'], 'named on screen, the assistant not');
  await screenshot(page, 'handoff-consultant');
  await ingest(page, [handoff({ state: 'completed' })]);
  assert.deepEqual(await steps.allInnerTexts(), ['Anna (consultant) joined the conversation.', 'You are back with the assistant.']);
  const live = await page.evaluate(() => document.querySelector('parley-widget').shadowRoot.querySelector('[aria-live="polite"]').textContent);
  assert.match(live, /You are back with the assistant\./);
  await screenshot(page, 'handoff-back');
  assert.deepEqual(await report.violations(), []);
  assert.deepEqual(report.page_errors, []);
  await page.close();
});
