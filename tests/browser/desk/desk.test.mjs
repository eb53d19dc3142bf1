// The service desk in Chromium against the real platform (`parley demo --port-base 0`, which also
// starts the two tenants' real identity providers, examples/test-idp): a consultant of each tenant
// signs in through their IdP's own login page and sees only their tenant; sign-out ends the
// session at the IdP; a back-channel logout closes an open desk; the expiry warning; and what the
// browser itself refuses (another origin's API calls and WebSocket); last, that all of it is in
// each tenant's audit log (`parley audit export|verify` on the demo's store). One Chromium for the
// whole file, a context per consultant.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { launch_browser, screenshot, watch_page } from '../lib/browser.mjs';
import { start_demo } from '../lib/parley_demo.mjs';

const demo = await start_demo({ args: ['--port-base', '0'], log: 'parley-demo-desk.log' });
const skip = demo.skip ?? false;  // only when there is no parley binary: a demo without a desk fails below
if (skip) console.log(`# desk browser tests skipped: ${skip}`);
let browser = null;
let bankx_conversation = null;

const account = (tenant, role) => demo.ready.desk_accounts.find((a) => a.tenant === tenant && a.role === role);

before(async () => {
  if (skip) return;
  assert.ok(demo.ready?.desk, 'the demo\'s ready file names its desk (`desk`)');
  assert.ok(Array.isArray(demo.ready?.desk_accounts), 'the demo\'s ready file lists `desk_accounts`');
  browser = await launch_browser();
  // A conversation of BankX, as the widget makes one: the bot's handshake, then the channel.
  const origin = new URL(demo.site).origin;
  const t = await fetch(new URL('/api/token', demo.site), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: origin },
    body: '{}',
  });
  assert.equal(t.status, 200, 'handshake');
  const grant = await t.json();
  const c = await fetch(`${grant.channelUrl ?? demo.ready.channel}/conversations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${grant.token}`, Origin: origin },
  });
  assert.ok(c.status === 200 || c.status === 201, `conversation: HTTP ${c.status}`);
  bankx_conversation = (await c.json()).conversationId;
});

after(async () => {
  await browser?.close();
  await demo.stop?.();
});

// A fresh browser context (its own cookies) with a page on the desk.
async function consultant() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const report = await watch_page(page);
  await page.goto(demo.ready.desk);
  return { context, page, report };
}

// From the desk's sign-in button through the IdP's own login page back to the desk.
async function sign_in(page, tenant, role) {
  const a = account(tenant, role);
  const tenant_name = tenant === 'bankx' ? 'BankX' : 'Harbour Bank';
  await page.getByRole('link', { name: `Sign in with ${tenant_name}` }).click();
  await page.getByLabel('Username').waitFor();
  const issuer = new URL(page.url()).origin;
  assert.notEqual(issuer, new URL(demo.ready.desk).origin, 'the login page is the IdP’s');
  await page.getByLabel('Username').fill(a.username);
  await page.getByLabel('Password').fill(a.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 20_000 });
  return { issuer, account: a };
}

async function storage(page) {
  return page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
}

test('a consultant of each tenant signs in through their own IdP and sees only their tenant', { skip }, async () => {
  const anna = await consultant();
  const hugo = await consultant();
  try {
    await sign_in(anna.page, 'bankx', 'consultant');
    const who = anna.page.getByLabel('Signed in as');
    assert.match(await who.textContent(), /Anna Berg.*Consultant.*BankX/);
    await anna.page.getByRole('cell', { name: bankx_conversation }).waitFor();
    await sign_in(hugo.page, 'harbour', 'consultant');
    assert.match(await hugo.page.getByLabel('Signed in as').textContent(), /Hugo Hamn.*Consultant.*Harbour Bank/);
    await hugo.page.getByText('No conversations.').waitFor();
    // Asking for BankX's conversation by id from Harbour's session: not found.
    const status = await hugo.page.evaluate(async (id) => {
      const r = await fetch(`/desk/api/conversations/${encodeURIComponent(id)}`, { headers: { 'X-Parley-Desk': '1' } });
      return r.status;
    }, bankx_conversation);
    assert.equal(status, 404);
    // No token anywhere the page can see; the session cookie is HttpOnly.
    assert.deepEqual(await storage(anna.page), { local: 0, session: 0, cookie: '' });
    const cookies = await anna.context.cookies(demo.ready.desk);
    const session = cookies.find((c) => c.name === '__Host-parley-desk');
    assert.ok(session, 'the session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/');
    assert.deepEqual(await anna.report.violations(), []);
    assert.deepEqual(anna.report.page_errors, []);
    await screenshot(anna.page, 'desk-signed-in');
  } finally {
    await anna.context.close();
    await hugo.context.close();
  }
});

test('sign-out ends the session at the IdP too', { skip }, async () => {
  const { context, page } = await consultant();
  try {
    await sign_in(page, 'bankx', 'consultant');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();  // the IdP's confirmation
    await page.getByText('You are signed out of the desk and of your organisation’s sign-in service.').waitFor();
    assert.equal(new URL(page.url()).origin, new URL(demo.ready.desk).origin);
    // Signed out at the IdP: signing in again asks for the password.
    await page.getByRole('link', { name: 'Sign in with BankX' }).click();
    await page.getByLabel('Password').waitFor();
  } finally {
    await context.close();
  }
});

test('a back-channel logout from the IdP closes the open desk', { skip }, async () => {
  const { context, page } = await consultant();
  try {
    const { issuer } = await sign_in(page, 'bankx', 'supervisor');
    await page.getByRole('heading', { name: 'Live conversations' }).waitFor();
    // The consultant signs out at the IdP in another tab (no desk involved): the IdP calls the desk.
    const idp = await context.newPage();
    await idp.goto(`${issuer}/session/end`);
    await idp.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByText('You were signed out at your organisation’s sign-in service.').waitFor({ timeout: 20_000 });
    await page.getByRole('link', { name: 'Sign in with BankX' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/desk/api/me', { headers: { 'X-Parley-Desk': '1' } })).status);
    assert.equal(me, 401);
  } finally {
    await context.close();
  }
});

test('the session-expiry warning offers to stay signed in (WCAG 2.2.1)', { skip }, async () => {
  const { context, page } = await consultant();
  try {
    await sign_in(page, 'harbour', 'consultant');
    // The server's answer two minutes before the idle timeout (the app polls it every 30 s).
    await page.route('**/desk/api/session', async (route) => {
      const r = await route.fetch();
      const body = await r.json();
      await route.fulfill({ response: r, json: { ...body, idle_remaining_s: 100 } });
    });
    await page.reload();
    const dialog = page.getByRole('alertdialog', { name: 'Your session is about to end' });
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /signed out in 1 min \d+ s/);
    const stay = page.getByRole('button', { name: 'Stay signed in' });
    assert.equal(await stay.evaluate((b) => b === document.activeElement), true, 'the button has the focus');
    await page.unroute('**/desk/api/session');
    await stay.click();
    await page.getByText('Your session was extended.').waitFor();
    assert.equal(await dialog.count(), 0);
  } finally {
    await context.close();
  }
});

test('another origin can neither call the desk API nor open its WebSocket', { skip }, async () => {
  const { context, page } = await consultant();
  try {
    await sign_in(page, 'bankx', 'consultant');
    // The BankX site runs on another port: another origin, same site (its cookies would be sent).
    const other = await context.newPage();
    await other.goto(demo.site);
    const desk = new URL(demo.ready.desk).origin;
    const outcome = await other.evaluate(async (desk_origin) => {
      const api = await fetch(`${desk_origin}/desk/api/logout`, {
        method: 'POST',
        credentials: 'include',
        headers: { 'X-Parley-Desk': '1' },
      }).then(() => 'sent', () => 'blocked');
      const ws = await new Promise((resolve) => {
        const s = new WebSocket(`${desk_origin.replace('http', 'ws')}/desk/api/events`);
        s.onopen = () => resolve('open');
        s.onclose = () => resolve('refused');
      });
      return { api, ws };
    }, desk);
    assert.deepEqual(outcome, { api: 'blocked', ws: 'refused' });
    // Still signed in: nothing reached the session.
    const me = await page.evaluate(async () => (await fetch('/desk/api/me', { headers: { 'X-Parley-Desk': '1' } })).status);
    assert.equal(me, 200);
  } finally {
    await context.close();
  }
});

// `parley audit ARGS --data-dir` on the running demo's store (a second process on the same chain).
function parley_audit(...args) {
  const r = spawnSync(process.env.PARLEY_BIN, ['audit', ...args, '--data-dir', demo.data_dir], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the sign-ins and sign-outs above are in each tenant’s audit log, and its chain verifies', { skip }, () => {
  const exported = parley_audit('export', '--tenant', 'bankx');
  assert.equal(exported.status, 0, exported.stderr);
  const entries = exported.stdout.trim().split('\n').map((line) => JSON.parse(line));
  const events = (name) => entries.filter((e) => e.event === name);
  // Anna, the sign-out test, the supervisor, and the Origin test signed in to BankX.
  assert.ok(events('desk.sign_in').length >= 4, JSON.stringify(entries.map((e) => e.event)));
  for (const e of events('desk.sign_in')) {
    assert.match(e.actor, /^c_/);
    assert.ok(['consultant', 'supervisor'].includes(e.role), e.role);
  }
  const reasons = events('desk.sign_out').map((e) => e.details.reason);
  assert.ok(reasons.includes('signed_out'), `sign-out reasons: ${reasons}`);
  assert.ok(reasons.includes('backchannel'), `sign-out reasons: ${reasons}`);
  assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1), 'one chain, numbered from 1');
  // No account name or password of the IdP in the log (actors are pseudonymous ids).
  for (const a of demo.ready.desk_accounts) {
    assert.ok(!exported.stdout.includes(a.password), 'a password in the audit log');
    assert.ok(!exported.stdout.includes(`"${a.username}"`), 'a user name in the audit log');
  }
  const harbour = parley_audit('export', '--tenant', 'harbour');
  assert.equal(harbour.status, 0, harbour.stderr);
  assert.match(harbour.stdout, /"event":"desk.sign_in"/);
  assert.doesNotMatch(harbour.stdout, /"tenant":"bankx"/);
  const verified = parley_audit('verify', '--tenant', 'bankx');
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  assert.match(verified.stdout, /OK: the audit log of tenant bankx verified/);
});
