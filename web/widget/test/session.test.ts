import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { test } from 'node:test';
import type { token_endpoint } from '../src/bot_api';
import { http_error } from '../src/http';
import type { card_action, handoff_event, token_grant } from '../src/protocol';
import { chat_session, local_iso_timestamp, type session_status, type session_view } from '../src/session';
import type { transcript_entry } from '../src/transcript';
import { fake_fetch, fake_socket_factory, fake_timers, flush, type recorded_request } from './fakes';

class recording_view implements session_view {
  statuses: session_status[] = [];
  entries = new Map<string, transcript_entry>();
  order: string[] = [];
  typing: boolean[] = [];
  actions: card_action[][] = [];
  notices: string[] = [];
  handoffs: handoff_event[] = [];
  on_handoff(e: handoff_event) {
    this.handoffs.push(e);
  }
  on_status(s: session_status) {
    this.statuses.push(s);
  }
  on_entry_added(e: transcript_entry) {
    this.entries.set(e.key, { ...e });
    this.order.push(e.key);
  }
  on_entry_updated(e: transcript_entry) {
    assert.ok(this.entries.has(e.key), 'update of an entry the view never got');
    this.entries.set(e.key, { ...e });
  }
  on_typing(active: boolean) {
    this.typing.push(active);
  }
  on_suggested_actions(a: card_action[]) {
    this.actions.push(a);
  }
  on_notice(kind: string) {
    this.notices.push(kind);
  }
  shown(): Array<[string, string | null]> {
    return this.order.map((k) => [this.entries.get(k)!.text, this.entries.get(k)!.state]);
  }
}

class endpoint implements token_endpoint {
  handshakes = 0;
  bound = false;
  refresh_error: http_error | null = null;
  handshake(): Promise<token_grant> {
    this.handshakes += 1;
    return Promise.resolve(this.grant(`conv-${this.handshakes}`, `hs-${this.handshakes}`));
  }
  refresh(): Promise<token_grant> {
    if (this.refresh_error) return Promise.reject(this.refresh_error);
    return Promise.resolve(this.grant(`conv-${this.handshakes}`, `rf-${this.handshakes}`));
  }
  private grant(conversation_id: string, token: string): token_grant {
    return { token, conversation_id, user_id: 'dl_u1', expires_in_s: 60, channel_url: 'http://127.0.0.1:8401/v3/directline', bound: this.bound };
  }
}

function setup(bound = false) {
  const timers = new fake_timers();
  const sockets = new fake_socket_factory();
  const posts: recorded_request[] = [];
  let post_behaviour: (req: recorded_request) => ReturnType<ConstructorParameters<typeof fake_fetch>[0]> = () => ({ status: 200, body: { id: `id-${posts.length}` } });
  const http = new fake_fetch((req) => {
    if (req.method === 'POST' && req.url.endsWith('/conversations')) {
      const conv = req.headers['Authorization']!.includes('-2') ? 'conv-2' : 'conv-1';
      const token = req.headers['Authorization']!.replace(/^(Bearer|DPoP) /, '');
      return { status: 201, body: { conversationId: conv, token, expires_in: 60, streamUrl: `ws://127.0.0.1:8401/v3/directline/conversations/${conv}/stream?t=s` } };
    }
    if (req.method === 'POST' && req.url.endsWith('/activities')) {
      posts.push(req);
      return post_behaviour(req);
    }
    return { status: 404 };
  });
  const view = new recording_view();
  const bot_endpoint = new endpoint();
  bot_endpoint.bound = bound;
  let ids = 0;
  const session = new chat_session(
    {
      timers,
      fetch: http.fetch,
      open_socket: sockets.open,
      bot_url: 'http://127.0.0.1:8400',
      locale: 'de-DE',
      assertion: () => null,
      new_client_id: () => `cid-${++ids}`,
      token_endpoint: bot_endpoint,
      subtle: webcrypto.subtle as unknown as SubtleCrypto,
      random_bytes: (n: number) => webcrypto.getRandomValues(new Uint8Array(n)),
    },
    view,
  );
  return { timers, sockets, http, posts, view, session, bot_endpoint, set_post: (f: typeof post_behaviour) => (post_behaviour = f) };
}

const welcome = { type: 'message', id: 'conv-1|0', from: { id: 'bot', name: 'BankX', role: 'bot' }, text: 'Welcome to **BankX**', timestamp: '2024-05-01T10:00:00Z' };

test('open: handshake, POST /conversations with the token, then the stream; the welcome shows', async () => {
  const { sockets, http, view, session } = setup();
  await session.open();
  await flush();
  const start = http.requests.find((r) => r.url.endsWith('/conversations'))!;
  assert.equal(start.headers['Authorization'], 'Bearer hs-1');
  assert.deepEqual(start.body, { user: { id: 'dl_u1' }, locale: 'de-DE' });
  assert.equal(sockets.last.url, 'ws://127.0.0.1:8401/v3/directline/conversations/conv-1/stream?t=s');
  sockets.last.server_open();
  sockets.last.server_send({ activities: [welcome], watermark: '0' });
  assert.deepEqual(view.shown(), [['Welcome to **BankX**', null]]);
  assert.equal(view.statuses.at(-1), 'online');
  session.stop();
});

test('a bound token: every channel call and the stream connect carry a fresh proof; a bearer token none', async () => {
  const { sockets, http, session } = setup(true);
  await session.open();
  // Signing happens off the event loop (WebCrypto): wait for the socket, in real time.
  for (let i = 0; i < 200 && sockets.sockets.length === 0; i += 1) await new Promise((r) => setTimeout(r, 5));
  const start = http.requests.find((r) => r.url.endsWith('/conversations'))!;
  assert.equal(start.headers['Authorization'], 'DPoP hs-1');
  assert.ok(start.headers['DPoP'], 'a proof with POST /conversations');
  const protocols = sockets.last.protocols!;
  assert.equal(protocols[0], 'parley-dpop');
  assert.match(protocols[1]!, /^parley-dpop-proof\.[\w-]+\.[\w-]+\.[\w-]+$/);
  const claims = JSON.parse(Buffer.from(protocols[1]!.split('.')[2]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  assert.equal(claims['htm'], 'GET');
  assert.equal(claims['htu'], 'ws://127.0.0.1:8401/v3/directline/conversations/conv-1/stream', 'no query (the t= token is in ath)');
  assert.equal(typeof claims['ath'], 'string');
  session.stop();
  const bearer = setup(false);
  await bearer.session.open();
  await flush();
  assert.equal(bearer.http.requests.find((r) => r.url.endsWith('/conversations'))!.headers['DPoP'], undefined);
  assert.equal(bearer.sockets.last.protocols, null);
  bearer.session.stop();
});

test('send: pending, then sent when the POST returns an id; the echo does not duplicate it', async () => {
  const { sockets, posts, view, session } = setup();
  await session.open();
  sockets.last.server_open();
  session.send_text('  Hello  ');
  assert.deepEqual(view.shown(), [['Hello', 'pending']]);
  await flush();
  assert.equal(posts.length, 1);
  const body = posts[0]!.body as Record<string, unknown>;
  assert.equal(body['type'], 'message');
  assert.equal(body['text'], 'Hello');
  assert.equal(body['locale'], 'de-DE');
  assert.deepEqual(body['from'], { id: 'dl_u1', role: 'user' });
  assert.deepEqual(body['channelData'], { clientActivityID: 'cid-1' });
  assert.match(String(body['localTimestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
  assert.deepEqual(view.shown(), [['Hello', 'sent']]);
  sockets.last.server_send({ activities: [{ type: 'message', id: 'id-1', from: { id: 'dl_u1' }, text: 'Hello', channelData: { clientActivityID: 'cid-1' } }] });
  assert.deepEqual(view.shown(), [['Hello', 'sent']]);
  session.stop();
});

test('send: the echo alone marks it sent (POST still in flight)', async () => {
  const { sockets, view, session, set_post } = setup();
  await session.open();
  sockets.last.server_open();
  set_post(() => 'hang');
  session.send_text('Hi');
  await flush();
  sockets.last.server_send({ activities: [{ type: 'message', id: 'x1', from: { id: 'dl_u1', role: 'user' }, text: 'Hi', channelData: { clientActivityID: 'cid-1' } }] });
  assert.deepEqual(view.shown(), [['Hi', 'sent']]);
  session.stop();
});

test('network error → failed; retry re-sends with the same clientActivityID → sent', async () => {
  const { sockets, posts, view, session, set_post } = setup();
  await session.open();
  sockets.last.server_open();
  set_post(() => 'network-error');
  session.send_text('Balance?');
  await flush();
  assert.deepEqual(view.shown(), [['Balance?', 'failed']]);
  set_post(() => ({ status: 200, body: { id: 'conv-1|5' } }));
  session.retry('cid-1');
  assert.deepEqual(view.shown(), [['Balance?', 'pending']]);
  await flush();
  assert.deepEqual(view.shown(), [['Balance?', 'sent']]);
  assert.equal(posts.length, 2);
  assert.deepEqual((posts[1]!.body as { channelData: unknown }).channelData, { clientActivityID: 'cid-1' });
  session.stop();
});

test('timeout and 5xx → failed; the timeout is 20 s', async () => {
  const { timers, sockets, view, session, set_post } = setup();
  await session.open();
  sockets.last.server_open();
  set_post(() => 'hang');
  session.send_text('one');
  await timers.advance(19_999);
  assert.deepEqual(view.shown(), [['one', 'pending']]);
  await timers.advance(1);
  assert.deepEqual(view.shown(), [['one', 'failed']]);
  set_post(() => ({ status: 502, body: { error: { code: 'BotError', message: 'x' } } }));
  session.send_text('two');
  await flush();
  assert.deepEqual(view.shown()[1], ['two', 'failed']);
  session.stop();
});

test('403 on send: refresh the token and send once more', async () => {
  const { sockets, posts, view, session, set_post } = setup();
  await session.open();
  sockets.last.server_open();
  set_post((req) => (req.headers['Authorization'] === 'Bearer hs-1' ? { status: 403 } : { status: 200, body: { id: 'ok' } }));
  session.send_text('hi');
  await flush();
  assert.deepEqual(posts.map((p) => p.headers['Authorization']), ['Bearer hs-1', 'Bearer rf-1']);
  assert.deepEqual(view.shown(), [['hi', 'sent']]);
  session.stop();
});

test('refresh refused: a new handshake, a new conversation, and the user is told', async () => {
  const { timers, sockets, http, view, session, bot_endpoint } = setup();
  await session.open();
  const first = sockets.last;
  first.server_open();
  bot_endpoint.refresh_error = new http_error('status', 403);
  await timers.advance(36_000);
  assert.equal(bot_endpoint.handshakes, 2);
  assert.deepEqual(view.notices, ['session_renewed']);
  assert.ok(first.closed, 'the old stream is closed');
  const starts = http.requests.filter((r) => r.url.endsWith('/conversations'));
  assert.equal(starts.length, 2);
  assert.equal(starts[1]!.headers['Authorization'], 'Bearer hs-2');
  assert.match(sockets.last.url, /conv-2/);
  session.stop();
});

test('suggested actions: shown with the bot message; imBack, postBack and messageBack send the right shapes', async () => {
  const { sockets, posts, view, session } = setup();
  await session.open();
  sockets.last.server_open();
  sockets.last.server_send({
    activities: [
      {
        type: 'message',
        id: 'b1',
        from: { id: 'bot', role: 'bot' },
        text: 'Pick one',
        suggestedActions: {
          actions: [
            { type: 'imBack', title: 'Balance', value: 'Show my balance' },
            { type: 'postBack', title: 'Hidden', value: { intent: 'x' } },
            { type: 'messageBack', title: 'MB', text: 'mb-text', displayText: 'Shown text', value: { a: 1 } },
            { type: 'openUrl', title: 'ignored', value: 'https://x' },
          ],
        },
      },
    ],
  });
  const shown = view.actions.at(-1)!;
  assert.deepEqual(shown.map((a) => a.title), ['Balance', 'Hidden', 'MB']);
  session.send_action(shown[0]!);
  assert.deepEqual(view.actions.at(-1), [], 'clicking removes the buttons');
  session.send_action(shown[1]!);
  session.send_action(shown[2]!);
  await flush();
  const bodies = posts.map((p) => p.body as Record<string, unknown>);
  assert.equal(bodies[0]!['text'], 'Show my balance');
  assert.deepEqual(bodies[1]!['value'], { intent: 'x' });
  assert.deepEqual(bodies[1]!['channelData'], { postBack: true, clientActivityID: 'cid-2' });
  assert.equal(bodies[2]!['text'], 'mb-text');
  assert.deepEqual(bodies[2]!['channelData'], { messageBack: { displayText: 'Shown text' }, clientActivityID: 'cid-3' });
  assert.deepEqual(view.shown().map((s) => s[0]), ['Pick one', 'Show my balance', 'Shown text'], 'postBack is not displayed');
  session.stop();
});

test('typing indicator: shown on a bot typing activity, hidden on the next message or after 6 s', async () => {
  const { timers, sockets, view, session } = setup();
  await session.open();
  sockets.last.server_open();
  sockets.last.server_send({ activities: [{ type: 'typing', id: 't1', from: { id: 'bot', role: 'bot' } }] });
  assert.deepEqual(view.typing, [true]);
  sockets.last.server_send({ activities: [welcome] });
  assert.deepEqual(view.typing, [true, false]);
  sockets.last.server_send({ activities: [{ type: 'typing', id: 't2', from: { id: 'bot', role: 'bot' } }] });
  await timers.advance(6_000);
  assert.deepEqual(view.typing, [true, false, true, false]);
  sockets.last.server_send({ activities: [{ type: 'typing', id: 't3', from: { id: 'dl_u1', role: 'user' } }] });
  assert.deepEqual(view.typing, [true, false, true, false], "the user's own typing is not shown");
  session.stop();
});

test('handoff: the channel\'s parley.handoff events reach the view once each, in order; the consultant types and speaks', async () => {
  const { sockets, view, session } = setup();
  await session.open();
  await flush();
  sockets.last.server_open();
  const ev = (id: string, value: unknown) => ({ type: 'event', name: 'parley.handoff', id, from: { id: 'bot', role: 'bot' }, value });
  sockets.last.server_send({
    activities: [
      ev('h1', { state: 'waiting' }),
      ev('h2', { state: 'waiting', position: 2, estimatedWaitSeconds: 90 }),
      ev('h3', { state: 'accepted', consultant: { name: 'Anna' } }),
      ev('h4', { state: 'bogus' }),
      ev('h6', { state: 'waiting', transferred: true }),
      ev('h7', { state: 'accepted', consultant: { name: 'Bo' }, transferred: true }),
      { type: 'event', name: 'other', id: 'e1', value: { state: 'accepted' } },
    ],
  });
  assert.deepEqual(view.handoffs, [
    { state: 'waiting', consultant: null, position: null, estimated_wait_seconds: null, transferred: false },
    { state: 'waiting', consultant: null, position: 2, estimated_wait_seconds: 90, transferred: false },
    { state: 'accepted', consultant: 'Anna', position: null, estimated_wait_seconds: null, transferred: false },
    { state: 'waiting', consultant: null, position: null, estimated_wait_seconds: null, transferred: true },
    { state: 'accepted', consultant: 'Bo', position: null, estimated_wait_seconds: null, transferred: true },
  ]);
  // A replay after a reconnect shows nothing twice.
  sockets.last.server_send({ activities: [ev('h3', { state: 'accepted', consultant: { name: 'Anna' } })] });
  assert.equal(view.handoffs.length, 5);
  const anna = { id: 'consultant', name: 'Anna', role: 'bot' };
  sockets.last.server_send({ activities: [{ type: 'typing', id: 't1', from: anna }] });
  assert.deepEqual(view.typing, [true]);
  sockets.last.server_send({ activities: [{ type: 'message', id: 'm1', from: anna, text: 'Hello, Anna here.', timestamp: '2024-05-01T10:00:00Z' }] });
  assert.deepEqual(view.shown(), [['Hello, Anna here.', null]]);
  assert.equal(view.entries.get('m1')!.from_name, 'Anna');
  assert.equal(view.entries.get('m1')!.consultant, true, 'a consultant is named on screen');
  sockets.last.server_send({ activities: [ev('h5', { state: 'completed' })] });
  assert.equal(view.handoffs.at(-1)!.state, 'completed');
  session.stop();
});

test('integrity marker: a message that failed its integrity check is shown as a warning in its place, never as the bot', async () => {
  const { sockets, view, session } = setup();
  await session.open();
  await flush();
  sockets.last.server_open();
  const marker = {
    type: 'message',
    id: 'conv-1|0000002',
    from: { id: 'parley', name: 'Parley', role: 'channel' },
    text: 'This message (number 2) cannot be shown: it failed its integrity check.',
    timestamp: '2024-05-01T10:00:05Z',
    channelData: { parley: { integrity: { status: 'failed', seq: 2 } } },
  };
  sockets.last.server_send({ activities: [welcome, marker, { type: 'message', id: 'conv-1|0000003', from: { id: 'bot', role: 'bot' }, text: 'after' }], watermark: '3' });
  assert.equal(view.order.length, 3);
  const shown = view.entries.get(view.order[1]!)!;
  assert.equal(shown.role, 'integrity');
  assert.equal(shown.integrity_seq, 2);
  assert.equal(shown.markdown, false);
  assert.equal(shown.text, '');  // the view shows its own, localised sentence
  assert.equal(view.entries.get(view.order[2]!)!.text, 'after');
  // A replay after a reconnect does not show it twice.
  sockets.last.server_send({ activities: [marker], watermark: '3' });
  assert.equal(view.order.length, 3);
  session.stop();
});

test('local_iso_timestamp carries the offset', () => {
  assert.match(local_iso_timestamp(new Date(0)), /^19(69|70)-\d\d-\d\dT\d\d:\d\d:\d\d\.000[+-]\d\d:\d\d$/);
});
