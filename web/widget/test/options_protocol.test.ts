import assert from 'node:assert/strict';
import { test } from 'node:test';
import { http_error, parse_retry_after, request_json } from '../src/http';
import { parse_options } from '../src/options';
import { parse_activity_set, parse_conversation, parse_token_grant } from '../src/protocol';
import { fake_fetch, fake_timers } from './fakes';

const origin = 'https://www.bankx.example';

test('options: defaults, page origin as bot URL, page language as locale', () => {
  const r = parse_options({}, origin, 'de');
  assert.ok(r.ok);
  assert.deepEqual(r.options, {
    bot_url: origin,
    title: null,
    locale: 'de',
    theme: 'light',
    position: 'bottom-right',
    transport: 'auto',
    token_lifetime_cap_s: null,
    user_assertion: null,
    open_on_load: false,
  });
});

test('options: every data attribute', () => {
  const r = parse_options(
    { botUrl: 'https://bot.bank.example/', title: 'BankX help', locale: 'en-GB', theme: 'dark', position: 'bottom-left', transport: 'polling', tokenLifetime: '60', userAssertion: 'a.b.c', open: 'true' },
    origin,
    null,
  );
  assert.ok(r.ok);
  assert.equal(r.options.bot_url, 'https://bot.bank.example');
  assert.equal(r.options.token_lifetime_cap_s, 60);
  assert.equal(r.options.transport, 'polling');
  assert.equal(r.options.user_assertion, 'a.b.c');
  assert.equal(r.options.open_on_load, true);
});

test('options: invalid values are errors, not silently ignored', () => {
  for (const attrs of [
    { botUrl: 'javascript:alert(1)' },
    { botUrl: 'https://user:pw@bot.example' },
    { botUrl: 'https://bot.example/?x=1' },
    { botUrl: '%PARLEY_BOT_URL%' },
    { theme: 'neon' },
    { transport: 'carrier-pigeon' },
    { tokenLifetime: '5' },
    { tokenLifetime: '1e3' },
    { locale: 'not a locale!' },
  ]) {
    const r = parse_options(attrs, origin, null);
    assert.equal(r.ok, false, JSON.stringify(attrs));
  }
});

test('token grant: strict shape', () => {
  const good = { token: 'eyJ.x.y', conversationId: 'c1', userId: 'dl_1', expiresIn: 1800, channelUrl: 'http://127.0.0.1:8401/v3/directline' };
  assert.equal(parse_token_grant(good).expires_in_s, 1800);
  for (const bad of [
    null,
    [],
    { ...good, token: '' },
    { ...good, expiresIn: '1800' },
    { ...good, expiresIn: -1 },
    { ...good, channelUrl: 'javascript:x' },
    { ...good, conversationId: 5 },
    { ...good, token: 'x'.repeat(10000) },
  ]) {
    assert.throws(() => parse_token_grant(bad), (e: unknown) => e instanceof http_error && e.kind === 'bad_response');
  }
});

test('conversation: streamUrl must be ws/wss; token and expires_in optional', () => {
  assert.deepEqual(parse_conversation({ conversationId: 'c', streamUrl: 'wss://h/s?t=1' }, 'fallback'), { conversation_id: 'c', token: null, expires_in_s: null, stream_url: 'wss://h/s?t=1' });
  assert.equal(parse_conversation({}, 'fallback').conversation_id, 'fallback');
  assert.throws(() => parse_conversation({ streamUrl: 'https://h/s' }, 'c'));
});

test('activity sets: activities must be an array; junk entries are dropped; watermark is opaque', () => {
  assert.throws(() => parse_activity_set({ watermark: '1' }));
  const set = parse_activity_set({ activities: [null, 5, {}, { type: 'message', id: 'a', text: 'hi', channelData: { clientActivityID: 'c1' } }], watermark: 'opaque|7' });
  assert.equal(set.activities.length, 1);
  assert.equal(set.activities[0]!.client_activity_id, 'c1');
  assert.equal(set.watermark, 'opaque|7');
});

test('integrity markers: channelData.parley.integrity with status failed, and nothing else', () => {
  const marker = { type: 'message', id: 'c|0000042', from: { id: 'parley', role: 'channel' }, text: 'x', channelData: { parley: { integrity: { status: 'failed', seq: 42 } } } };
  const set = parse_activity_set({ activities: [marker, { type: 'message', id: 'b', text: 'hi', channelData: { parley: { integrity: { status: 'ok', seq: 1 } } } }, { type: 'message', id: 'c', text: 'hi' }] });
  assert.equal(set.activities[0]!.integrity_failed_seq, 42);
  assert.equal(set.activities[1]!.integrity_failed_seq, null);
  assert.equal(set.activities[2]!.integrity_failed_seq, null);
  const odd = parse_activity_set({ activities: [{ ...marker, channelData: { parley: { integrity: { status: 'failed', seq: 'x' } } } }] });
  assert.equal(odd.activities[0]!.integrity_failed_seq, 0);
});

test('http: Retry-After, status errors, bad JSON, no cookies, no redirects', async () => {
  assert.equal(parse_retry_after('7'), 7);
  assert.equal(parse_retry_after('Wed, 21 Oct 2015 07:28:00 GMT'), null);
  assert.equal(parse_retry_after('99999'), 600);
  const timers = new fake_timers();
  const http = new fake_fetch((req) => (req.url.endsWith('/429') ? { status: 429, headers: { 'Retry-After': '3' } } : req.url.endsWith('/bad') ? { status: 200, body: undefined } : { status: 200, body: { ok: 1 } }));
  await assert.rejects(request_json(http.fetch, timers, 'http://h/429', { method: 'GET' }), (e: unknown) => e instanceof http_error && e.status === 429 && e.retry_after_s === 3 && e.retryable);
  assert.equal(await request_json(http.fetch, timers, 'http://h/bad', { method: 'GET' }), null);
  assert.deepEqual(await request_json(http.fetch, timers, 'http://h/ok', { method: 'POST', token: 't' }), { ok: 1 });
  const last = http.requests.at(-1)!;
  assert.deepEqual(last.body, {});
  assert.equal(last.headers['Authorization'], 'Bearer t');
  const json_fetch: typeof http.fetch = async () => new Response('{oops', { status: 200 });
  await assert.rejects(request_json(json_fetch, timers, 'http://h', { method: 'GET' }), (e: unknown) => e instanceof http_error && e.kind === 'bad_response');
  let seen: RequestInit | undefined;
  await request_json(async (_u, init) => ((seen = init), new Response('{}')), timers, 'http://h', { method: 'GET' });
  assert.equal(seen?.credentials, 'omit');
  assert.equal(seen?.redirect, 'error');
  assert.equal(seen?.cache, 'no-store');
});
