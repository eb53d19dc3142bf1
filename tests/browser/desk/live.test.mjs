// The live desk end to end in Chromium against the real platform (`parley demo --port-base 0`:
// the BankX site with the widget, the channel, the assistant, the desk and its tenants' real
// identity providers), two browser contexts: a customer asks the assistant for a human; the
// assistant hands off through the Connector (handoff.initiate); the channel queues it with the
// desk; a BankX consultant signed in through the IdP sees it in the queue with the reason, takes
// it (a second take of the same version is refused), types and writes; the customer sees who
// joined, the typing and the message under the consultant's first name, and writes back, which
// reaches the consultant's desk over its WebSocket and not the assistant; the consultant hands
// back naming an intent, the assistant resumes it and answers the next message. A supervisor
// watches another conversation without the customer seeing anything; a consultant of the other
// tenant sees none of it. In German, a consultant transfers a conversation back to the queue
// (the widget says so, the assistant stays silent), a supervisor takes over, uses a canned
// response ("/"), a private note and the export. Last, every step is in BankX's audit log and
// its chain verifies.
// The consultant and the supervisor use the desk app (web/desk, live.tsx); axe-core finds no
// serious or critical violation on its pages. Screenshots go to artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { launch_browser, screenshot, watch_page } from '../lib/browser.mjs';
import { start_demo } from '../lib/parley_demo.mjs';

const demo = await start_demo({ args: ['--port-base', '0'], log: 'parley-demo-live.log' });
const skip = demo.skip ?? false;
if (skip) console.log(`# live desk browser tests skipped: ${skip}`);
let browser = null;
const axe_source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// axe-core on the page as it is (evaluated through the devtools protocol: the page's CSP stays
// strict); serious and critical violations only.
async function axe(page) {
  await page.evaluate(axe_source);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const account = (tenant, role) => demo.ready.desk_accounts.find((a) => a.tenant === tenant && a.role === role);

before(async () => {
  if (skip) return;
  assert.ok(demo.ready?.desk, 'the demo\'s ready file names its desk');
  browser = await launch_browser();
});

after(async () => {
  await browser?.close();
  await demo.stop?.();
});

// ---- the customer (the widget on the BankX site) ----------------------------------------------

const bot_entries = (page) => page.locator('parley-widget .entry.bot');

async function customer() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const report = await watch_page(page);
  await page.goto(demo.site);
  await page.locator('parley-widget .launcher').click();
  await bot_entries(page).first().waitFor({ timeout: 20_000 });  // the welcome
  return { context, page, report };
}

async function say(page, text) {
  const input = page.locator('parley-widget .input');
  await input.fill(text);
  await input.press('Enter');
}

const widget_text = (page) => page.locator('parley-widget .transcript').innerText();

async function wait_for_text(page, text, timeout = 20_000) {
  await page.locator('parley-widget').getByText(text, { exact: false }).first().waitFor({ timeout });
}

// ---- the desk (a consultant's signed-in desk page; API calls as the desk app makes them) -------

async function desk_user(tenant, role) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const report = await watch_page(page);
  await page.goto(demo.ready.desk);
  const a = account(tenant, role);
  await page.getByRole('link', { name: `Sign in with ${tenant === 'bankx' ? 'BankX' : 'Harbour Bank'}` }).click();
  await page.getByLabel('Username').waitFor();
  await page.getByLabel('Username').fill(a.username);
  await page.getByLabel('Password').fill(a.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 20_000 });
  return { context, page, report, account: a };
}

// fetch() from the desk page: same origin, the session cookie, the CSRF header.
async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const headers = { 'X-Parley-Desk': '1' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {}
      return { status: r.status, json, text };
    },
    { method, path, body },
  );
}

async function waiting_handoff(page) {
  for (let i = 0; i < 200; i++) {
    const q = await api(page, 'GET', '/desk/api/handoffs');
    assert.equal(q.status, 200, q.text);
    const h = q.json.handoffs.find((x) => x.status === 'waiting');
    if (h) return h;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no waiting handoff in the queue');
}

function parley_audit(...args) {
  const r = spawnSync(process.env.PARLEY_BIN, ['audit', ...args, '--data-dir', demo.data_dir], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a customer asks for a human, a consultant takes over, they talk, and the assistant is back', { skip }, async () => {
  const user = await customer();
  const anna = await desk_user('bankx', 'consultant');
  const hugo = await desk_user('harbour', 'consultant');
  try {
    await say(user.page, 'I want to talk to a human');
    await wait_for_text(user.page, "I'll connect you with one of our consultants.");
    // The status region above the composer: finding a consultant, first in the queue.
    const status = user.page.locator('parley-widget .handoff');
    await status.getByText('Finding a consultant for you', { exact: false }).waitFor({ timeout: 20_000 });
    await status.getByText('number 1', { exact: false }).waitFor({ timeout: 20_000 });

    // The consultant sees it with the assistant's reason; the other tenant sees nothing.
    const h = await waiting_handoff(anna.page);
    assert.equal(h.queue, 'general');
    assert.equal(h.reason, 'user_request');
    assert.deepEqual((await api(hugo.page, 'GET', '/desk/api/handoffs')).json.handoffs, []);
    assert.equal((await api(hugo.page, 'POST', `/desk/api/handoffs/${h.conversation}/take`, { version: h.version })).status, 404);

    // Anna takes it in the desk app; the same version again (a second consultant racing) is refused.
    const take_button = anna.page.getByRole('button', { name: `Take conversation ${h.conversation}` });
    await take_button.waitFor({ timeout: 20_000 });
    await screenshot(anna.page, 'live-desk-queue');
    assert.deepEqual(await axe(anna.page), []);
    await take_button.click();
    await anna.page.getByText('You joined the conversation.').waitFor({ timeout: 20_000 });
    const log = anna.page.getByRole('log', { name: 'Transcript' });
    await log.getByText('I want to talk to a human').waitFor();  // the assistant's part before the handoff
    await log.getByText("I'll connect you with one of our consultants.").waitFor();
    const again = await api(anna.page, 'POST', `/desk/api/handoffs/${h.conversation}/take`, { version: h.version });
    assert.equal(again.status, 409);
    assert.match(again.text, /TakenByAnother/);

    await wait_for_text(user.page, 'Anna (consultant) joined the conversation.');
    assert.equal(await status.isHidden(), true, 'the finding-a-consultant status is gone');
    assert.equal((await api(anna.page, 'POST', `/desk/api/handoffs/${h.conversation}/typing`)).status, 200);
    await user.page.locator('parley-widget .typing').getByText('Anna is typing…').waitFor({ timeout: 20_000 });
    const reply = anna.page.getByLabel('Reply to the customer');
    await reply.fill('Hello, this is Anna from BankX. How can I help?');
    await reply.press('Enter');
    await wait_for_text(user.page, 'Hello, this is Anna from BankX. How can I help?');
    const from_anna = user.page.locator('parley-widget .entry.bot').last();
    assert.equal(await from_anna.locator('.sender').innerText(), 'Anna (consultant)', 'named on screen');
    assert.doesNotMatch(await widget_text(user.page), /Berg|@/, 'only the first name, never the IdP’s full name or e-mail');
    await screenshot(user.page, 'live-widget-with-consultant');

    // The customer answers: it reaches Anna's desk live (its WebSocket), and the assistant stays silent.
    const bot_before = await bot_entries(user.page).count();
    await say(user.page, 'My card was blocked while I was abroad');
    await log.getByText('My card was blocked while I was abroad').waitFor({ timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await bot_entries(user.page).count(), bot_before, 'the assistant did not answer while Anna owns it');

    // Anna reads the transcript (the assistant's part before the handoff included) and hands back.
    const transcript = await api(anna.page, 'GET', `/desk/api/handoffs/${h.conversation}/transcript`);
    assert.equal(transcript.status, 200, transcript.text);
    const texts = transcript.json.activities.map((a) => a.activity?.text).filter(Boolean);
    assert.ok(texts.includes('I want to talk to a human'), JSON.stringify(texts));
    assert.ok(texts.includes("I'll connect you with one of our consultants."), JSON.stringify(texts));
    await screenshot(anna.page, 'live-desk-consultant');
    assert.deepEqual(await axe(anna.page), []);
    await anna.page.getByLabel('Note for the record (not shown to the customer)').fill('Card unblocked for travel');
    await anna.page.getByLabel('The assistant continues with').selectOption('opening_hours');
    await anna.page.getByRole('button', { name: 'Hand back to the assistant' }).click();
    await anna.page.getByText('The conversation is back with the assistant.').waitFor({ timeout: 20_000 });
    await wait_for_text(user.page, 'You are back with the assistant.');
    // The intent Anna named runs, then the assistant answers the next message as before.
    await wait_for_text(user.page, 'Our branches are open');
    const bot_after = await bot_entries(user.page).count();
    await say(user.page, 'what are your opening hours');
    await user.page.waitForFunction(
      (n) => document.querySelector('parley-widget').shadowRoot.querySelectorAll('.entry.bot').length > n,
      bot_after,
      { timeout: 20_000 },
    );
    assert.deepEqual((await api(anna.page, 'GET', '/desk/api/handoffs')).json.handoffs, []);
    assert.deepEqual(user.report.page_errors, []);
    assert.deepEqual(await user.report.violations(), []);
    assert.deepEqual(await anna.report.violations(), []);
    await screenshot(user.page, 'live-widget-assistant-back');
  } finally {
    await user.context.close();
    await anna.context.close();
    await hugo.context.close();
  }
});

test('a supervisor watches a conversation with the assistant without the customer seeing anything', { skip }, async () => {
  const user = await customer();
  const sven = await desk_user('bankx', 'supervisor');
  const anna = await desk_user('bankx', 'consultant');
  try {
    await say(user.page, 'what are your opening hours');
    await user.page.waitForFunction(
      () => document.querySelector('parley-widget').shadowRoot.querySelectorAll('.entry.bot').length > 1,
      null,
      { timeout: 20_000 },
    );
    const list = await api(sven.page, 'GET', '/desk/api/live');
    assert.equal(list.status, 200, list.text);
    const conversation = list.json.conversations[0].id;
    assert.equal((await api(anna.page, 'POST', `/desk/api/conversations/${conversation}/monitor`)).status, 403);
    await sven.page.reload();  // the live list as the app loads it, with this conversation
    const watch = sven.page.getByRole('button', { name: `Watch conversation ${conversation}` });
    await watch.waitFor({ timeout: 20_000 });
    await watch.click();
    const log = sven.page.getByRole('log', { name: 'Transcript' });
    await log.getByText('what are your opening hours').waitFor({ timeout: 20_000 });
    await sven.page.getByText('Monitoring (read-only)').waitFor();
    assert.equal(await sven.page.getByLabel('Reply to the customer').count(), 0, 'nothing to send while monitoring');
    const before_text = await widget_text(user.page);
    await say(user.page, 'and on Saturday?');
    await log.getByText('and on Saturday?').waitFor({ timeout: 20_000 });
    // The customer's widget shows their own message and the assistant, nothing about a watcher.
    await user.page.waitForFunction(
      () => document.querySelector('parley-widget').shadowRoot.querySelectorAll('.entry.bot').length > 2,
      null,
      { timeout: 20_000 },
    );
    const after_text = await widget_text(user.page);
    assert.doesNotMatch(after_text.slice(before_text.length), /consultant|supervisor|joined|watch/i);
    assert.deepEqual(await axe(sven.page), []);
    await screenshot(sven.page, 'live-desk-supervisor');
  } finally {
    await user.context.close();
    await sven.context.close();
    await anna.context.close();
  }
});

// The BankX site in German (the widget takes its language from <html lang>): the page's lang is
// set to "de" as the document starts, before any script runs (the page itself is served as it
// is: rewriting the response would move it out of the loopback address space for Chromium).
async function customer_de() {
  const context = await browser.newContext({ locale: 'de-DE' });
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.documentElement) {
        document.documentElement.lang = 'de';
        observer.disconnect();
      }
    }).observe(document, { childList: true });
  });
  const page = await context.newPage();
  const report = await watch_page(page);
  await page.goto(demo.site);
  await page.locator('parley-widget .launcher').click();
  await bot_entries(page).first().waitFor({ timeout: 20_000 });
  return { context, page, report };
}

test('in German: a consultant transfers the conversation to the queue, the supervisor takes over, the assistant never answers in between', { skip }, async () => {
  const user = await customer_de();
  const anna = await desk_user('bankx', 'consultant');
  const sven = await desk_user('bankx', 'supervisor');
  try {
    await say(user.page, 'I want to talk to a human');
    const status = user.page.locator('parley-widget .handoff');
    await status.getByText('Wir suchen eine Beraterin oder einen Berater für Sie', { exact: false }).waitFor({ timeout: 20_000 });
    const h = await waiting_handoff(anna.page);
    // The supervisor's conversation list shows it waiting for a consultant, without a reload.
    const listed = sven.page.locator('section', { has: sven.page.getByRole('heading', { name: 'Conversations', exact: true }) });
    const row = listed.getByRole('row').filter({ hasText: h.conversation });
    await row.getByText('waiting for a consultant', { exact: false }).waitFor({ timeout: 20_000 });

    await anna.page.getByRole('button', { name: `Take conversation ${h.conversation}` }).click();
    await anna.page.getByText('You joined the conversation.').waitFor({ timeout: 20_000 });
    await wait_for_text(user.page, 'Anna (Beratung) ist der Unterhaltung beigetreten.');
    await row.getByText('with Anna').waitFor({ timeout: 20_000 });

    // Anna transfers it to the general queue, keyboard only.
    const to = anna.page.getByLabel('Transfer to');
    await to.focus();
    await to.selectOption('queue:general');
    await anna.page.keyboard.press('Tab');
    await anna.page.keyboard.press('Enter');
    await anna.page.getByText('The conversation was transferred to the queue general.').waitFor({ timeout: 20_000 });
    await wait_for_text(user.page, 'Sie werden an eine andere Beraterin oder einen anderen Berater weitergeleitet.');
    await status.getByText('Wir suchen eine Beraterin oder einen Berater für Sie', { exact: false }).waitFor({ timeout: 20_000 });
    await row.getByText('waiting for a consultant', { exact: false }).waitFor({ timeout: 20_000 });

    // The customer writes while it is being transferred: the assistant stays silent.
    const bot_before = await bot_entries(user.page).count();
    await say(user.page, 'Are you still there?');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await bot_entries(user.page).count(), bot_before, 'the assistant did not answer during the transfer');

    // Sven takes it from the queue: he takes over (the customer is told), and sees what was said.
    await sven.page.getByRole('button', { name: `Take conversation ${h.conversation}` }).click();
    await sven.page.getByText('You joined the conversation.').waitFor({ timeout: 20_000 });
    await wait_for_text(user.page, 'Sven (Beratung) hat die Unterhaltung übernommen.');
    await sven.page.getByRole('log', { name: 'Transcript' }).getByText('Are you still there?').waitFor({ timeout: 20_000 });
    // Sven's tools, keyboard only: "/" opens the canned responses, typing filters, Enter inserts;
    // a private note the customer never sees; the transcript exported as a file.
    const reply = sven.page.getByLabel('Reply to the customer');
    await reply.focus();
    await sven.page.keyboard.press('/');
    await sven.page.getByRole('combobox', { name: /Canned responses/ }).waitFor();
    await sven.page.keyboard.type('greet');
    await sven.page.keyboard.press('Enter');
    assert.equal(await reply.inputValue(), 'Hello, this is BankX. How can I help you?');
    await reply.press('Enter');
    await wait_for_text(user.page, 'Hello, this is BankX. How can I help you?');
    await sven.page.getByLabel('Private note (only the desk sees it)').fill('Private-Note-For-The-Desk');
    await sven.page.getByRole('button', { name: 'Save note' }).click();
    await sven.page.getByText('The note was saved').waitFor({ timeout: 20_000 });
    await sven.page.getByRole('log', { name: 'Transcript' }).getByText('Private-Note-For-The-Desk').waitFor();
    const download = sven.page.waitForEvent('download');
    await sven.page.getByRole('button', { name: 'Export transcript' }).click();
    assert.equal((await download).suggestedFilename(), `transcript-${h.conversation}.json`);
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(await widget_text(user.page), /Private-Note/, 'a note never reaches the customer');
    await screenshot(user.page, 'live-widget-transfer-de');
    await screenshot(sven.page, 'live-desk-after-transfer');
    assert.deepEqual(await axe(anna.page), []);
    assert.deepEqual(await axe(sven.page), []);
    await sven.page.getByRole('button', { name: 'Hand back to the assistant' }).click();
    await wait_for_text(user.page, 'Sie sind wieder beim Assistenten.');
    assert.deepEqual(user.report.page_errors, []);
    assert.deepEqual(await user.report.violations(), []);
  } finally {
    await user.context.close();
    await anna.context.close();
    await sven.context.close();
  }
});

test('every step is in BankX’s audit log and the chain verifies', { skip }, () => {
  const exported = parley_audit('export', '--tenant', 'bankx');
  assert.equal(exported.status, 0, exported.stderr);
  const events = exported.stdout.trim().split('\n').map((line) => JSON.parse(line).event);
  for (const e of ['desk.handoff_taken', 'desk.message_sent', 'desk.transcript_viewed', 'desk.handed_back', 'desk.monitor_started', 'desk.handoff_transferred', 'desk.note_added', 'desk.transcript_exported']) {
    assert.ok(events.includes(e), `${e} in ${events}`);
  }
  assert.ok(!exported.stdout.includes('Hello, this is Anna'), 'no message body in the audit log');
  const verified = parley_audit('verify', '--tenant', 'bankx');
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  const harbour = parley_audit('export', '--tenant', 'harbour');
  assert.doesNotMatch(harbour.stdout, /desk\.handoff_taken/);
});
