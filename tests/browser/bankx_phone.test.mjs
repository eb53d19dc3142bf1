// The BankX phone page in headless Chromium: a push login started through the Login API shows up
// on the phone, the test clicks Approve, and the bot's next poll gets the access token.
//
// BankX comes from $BANKX_TEST_SERVER (examples/bankx/tests/test_server.cpp; CTest sets it for
// `bankx_browser_phone`), or else from `$PARLEY_BIN demo` when its ready file names `bankx_phone`
// (the bot's client secret is then in <data dir>/bankx/client-secret). Skipped only when neither
// is available. Screenshots go to artifacts/.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { artifacts, launch, screenshot, watch_page } from './lib/browser.mjs';
import { start_demo } from './lib/parley_demo.mjs';

async function wait_for_file(file, child_exit, what) {
  const deadline = Date.now() + 60_000;
  while (!existsSync(file) || readFileSync(file, 'utf8').trim() === '') {
    if (child_exit()) throw new Error(`${what} exited before writing ${file}`);
    if (Date.now() > deadline) throw new Error(`${what} wrote no ready file in 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Resolves to { phone, api, secret, stop() } or { skip }. */
async function start_bankx() {
  const bin = process.env.BANKX_TEST_SERVER;
  if (bin) {
    const dir = mkdtempSync(join(tmpdir(), 'bankx-'));
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(join(dir, 'secret'), secret, { mode: 0o600 });
    mkdirSync(artifacts, { recursive: true });
    const log = openSync(join(artifacts, 'bankx-test-server.log'), 'w');
    const child = spawn(bin, ['--ready-file', join(dir, 'ready.json'), '--client-secret-file', join(dir, 'secret')], { stdio: ['ignore', log, log] });
    let exited = false;
    child.on('exit', () => (exited = true));
    const stop = async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const deadline = Date.now() + 10_000;
        while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      const ready = await wait_for_file(join(dir, 'ready.json'), () => exited, 'bankx_test_server');
      return { phone: ready.bankx_phone, api: ready.bankx_api, secret, stop };
    } catch (e) {
      await stop();
      throw e;
    }
  }
  const demo = await start_demo();
  if (demo.skip) return { skip: demo.skip };
  if (!demo.ready.bankx_phone) {
    await demo.stop();
    return { skip: 'parley demo does not run BankX yet (no bankx_phone in its ready file)' };
  }
  const secret = readFileSync(join(demo.data_dir, 'bankx', 'client-secret'), 'utf8').trim();
  return { phone: demo.ready.bankx_phone, api: demo.ready.bankx_api, secret, stop: demo.stop };
}

const bankx = await start_bankx();
const skip = bankx.skip ?? false;
if (skip) console.log(`# bankx phone test skipped: ${skip}`);
let browser = null;

after(async () => {
  await browser?.close();
  await bankx.stop?.();
});

async function login_api(op, body, client_id = 'parley') {
  const res = await fetch(`${bankx.api}/${op}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(`${client_id}:${bankx.secret}`).toString('base64')}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

test('phone page: a pending push login is approved by clicking Approve', { skip }, async () => {
  const started = await login_api('startLogin', { customerId: 'anna.schmidt', method: 'push', conversationRef: 'browser-test-1' });
  assert.equal(started.status, 200);
  const token = started.body.pollingToken;

  browser = await launch({ viewport: { width: 430, height: 900 } });
  const page = await browser.context.newPage();
  const report = await watch_page(page);
  await page.goto(bankx.phone);
  await page.locator('button[data-customer="anna.schmidt"]').waitFor();
  await screenshot(page, 'bankx-phone-picker');
  await page.locator('button[data-customer="anna.schmidt"]').click();
  const request = page.locator('#requests .request');
  await request.waitFor({ timeout: 10_000 });
  assert.equal(await request.count(), 1);
  assert.match(await request.locator('.title').textContent(), /Login request from the BankX chat assistant/);
  await screenshot(page, 'bankx-phone-pending');

  await request.locator('button.approve').click();
  await page.locator('#decided').filter({ hasText: 'Login approved.' }).waitFor({ timeout: 10_000 });
  await page.locator('#no-requests').waitFor({ state: 'visible', timeout: 10_000 });
  await screenshot(page, 'bankx-phone-approved');

  // The bot waits its interval, then collects the token once.
  await new Promise((r) => setTimeout(r, started.body.interval * 1000));
  const polled = await login_api('pollLogin', { pollingToken: token });
  assert.equal(polled.status, 200);
  assert.equal(polled.body.status, 'approved');
  assert.match(polled.body.accessToken, /^bxa_/);
  const accounts = await fetch(`${bankx.api}/accounts`, { headers: { Authorization: `Bearer ${polled.body.accessToken}` } });
  assert.equal(accounts.status, 200);

  assert.deepEqual(await report.violations(), [], 'no CSP violations');
  assert.deepEqual(report.page_errors, [], 'no uncaught errors');
  assert.deepEqual(report.dialogs, []);
});

test('phone page: the SMS outbox shows the code and the authenticator its current code', { skip }, async () => {
  const started = await login_api('startLogin', { customerId: 'carla.rossi', method: 'otp_sms', conversationRef: 'browser-test-2' });
  assert.equal(started.status, 200);
  browser ??= await launch({ viewport: { width: 430, height: 900 } });
  const page = await browser.context.newPage();
  const report = await watch_page(page);
  await page.goto(bankx.phone);
  await page.locator('button[data-customer="carla.rossi"]').click();
  const sms = page.locator('#sms .message .text').first();
  await sms.waitFor({ timeout: 10_000 });
  const code = (await sms.textContent()).match(/BankX: (\d{6}) /)[1];
  const verified = await login_api('verifyOtp', { pollingToken: started.body.pollingToken, otp: code });
  assert.equal(verified.body.status, 'approved');

  await page.locator('#auth-enrol').click();
  await page.locator('#auth-code').filter({ hasText: /^\d{6}$/ }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#auth-uri').textContent(), /^otpauth:\/\/totp\/BankX:carla\.rossi\?secret=[A-Z2-7]{32}&/);
  await page.locator('#auth-confirm').click();
  await page.locator('#auth-status').filter({ hasText: 'Authenticator active.' }).waitFor({ timeout: 10_000 });
  await screenshot(page, 'bankx-phone-sms-authenticator');
  assert.deepEqual(await report.violations(), []);
  assert.deepEqual(report.page_errors, []);
});
