import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bot_api } from '../src/bot_api';
import { http_error } from '../src/http';
import { chat_session, type session_status } from '../src/session';
import { fake_fetch, fake_socket_factory, fake_timers, flush } from './fakes';

const grant = { token: 'eyJ.a.b', conversationId: 'c1', userId: 'dl_1', expiresIn: 60, channelUrl: 'https://chat.bank.example/v3/directline' };

test('handshake: POST {bot}/api/token with {} and no credentials; refresh: Bearer + {}', async () => {
  const timers = new fake_timers();
  const http = new fake_fetch(() => ({ status: 200, body: grant }));
  const api = new bot_api(http.fetch, timers, 'https://bot.bank.example', () => null);
  const g = await api.handshake();
  assert.equal(g.token, 'eyJ.a.b');
  assert.equal(http.requests[0]!.url, 'https://bot.bank.example/api/token');
  assert.equal(http.requests[0]!.method, 'POST');
  assert.deepEqual(http.requests[0]!.body, {});
  assert.equal(http.requests[0]!.headers['Authorization'], undefined);
  await api.refresh({ token: 'eyJ.a.b', conversation_id: 'c1', user_id: 'dl_1', expires_in_s: 60, channel_url: 'https://chat.bank.example/v3/directline', bound: false });
  assert.equal(http.requests[1]!.url, 'https://bot.bank.example/api/token/refresh');
  assert.equal(http.requests[1]!.headers['Authorization'], 'Bearer eyJ.a.b');
  assert.deepEqual(http.requests[1]!.body, {});
});

test('handshake carries the host page user assertion when there is one (sync or async provider)', async () => {
  const timers = new fake_timers();
  const http = new fake_fetch(() => ({ status: 200, body: grant }));
  await new bot_api(http.fetch, timers, 'https://bot.bank.example/', () => 'host.jwt.sig').handshake();
  await new bot_api(http.fetch, timers, 'https://bot.bank.example', async () => 'later.jwt.sig').handshake();
  assert.deepEqual(http.requests.map((r) => r.body), [{ userAssertion: 'host.jwt.sig' }, { userAssertion: 'later.jwt.sig' }]);
  assert.equal(http.requests[0]!.url, 'https://bot.bank.example/api/token');
  const huge = new bot_api(http.fetch, timers, 'https://bot.bank.example', () => 'x'.repeat(20000));
  await assert.rejects(huge.handshake(), (e: unknown) => e instanceof http_error);
  assert.equal(http.requests.length, 2, 'an oversized assertion is never sent');
});

function session_with(respond: ConstructorParameters<typeof fake_fetch>[0]) {
  const timers = new fake_timers();
  const http = new fake_fetch(respond);
  const statuses: session_status[] = [];
  const session = new chat_session(
    {
      timers,
      fetch: http.fetch,
      open_socket: new fake_socket_factory().open,
      bot_url: 'https://bot.bank.example',
      locale: 'en-US',
      assertion: () => null,
      new_client_id: () => 'cid',
    },
    {
      on_status: (s) => statuses.push(s),
      on_entry_added: () => {},
      on_entry_updated: () => {},
      on_typing: () => {},
      on_suggested_actions: () => {},
      on_notice: () => {},
      on_handoff: () => {},
    },
  );
  return { timers, http, session, statuses };
}

test('origin not allowed (403 on the handshake): "forbidden", no retries', async () => {
  const { http, session, statuses } = session_with(() => ({ status: 403 }));
  await session.open();
  assert.deepEqual(statuses, ['connecting', 'forbidden']);
  assert.equal(http.requests.length, 1);
});

test('bot down: "unavailable" after the retries; open() again starts over', async () => {
  let up = false;
  const { timers, http, session, statuses } = session_with((req) => {
    if (!up) return { status: 503 };
    if (req.url.endsWith('/api/token')) return { status: 200, body: grant };
    return { status: 201, body: { conversationId: 'c1', streamUrl: 'wss://chat.bank.example/s' } };
  });
  const opened = session.open();
  await timers.advance(120_000);
  await opened;
  assert.equal(statuses.at(-1), 'unavailable');
  assert.equal(http.requests.length, 6);
  up = true;
  await session.open();
  await flush();
  assert.equal(statuses.at(-1), 'connecting');
  assert.ok(http.requests.some((r) => r.url === 'https://chat.bank.example/v3/directline/conversations'));
  session.stop();
});
