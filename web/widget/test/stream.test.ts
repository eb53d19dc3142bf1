import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directline_client } from '../src/directline';
import type { activity_set } from '../src/protocol';
import { activity_stream, default_stream_options, type stream_options, type stream_status } from '../src/stream';
import { transcript } from '../src/transcript';
import { fake_fetch, fake_socket_factory, fake_timers, type recorded_request } from './fakes';

const channel = 'http://127.0.0.1:8401/v3/directline';

function bot(id: string, text: string) {
  return { type: 'message', id, timestamp: '2024-05-01T10:00:00Z', from: { id: 'bot', role: 'bot' }, text };
}

function setup(respond: (req: recorded_request) => ReturnType<ConstructorParameters<typeof fake_fetch>[0]>, options: Partial<stream_options> = {}) {
  const timers = new fake_timers();
  const http = new fake_fetch(respond);
  const sockets = new fake_socket_factory();
  const api = new directline_client(http.fetch, timers, channel, () => 'tok');
  const model = new transcript('dl_user');
  const log = { statuses: [] as stream_status[], tokens: [] as string[], auth_errors: 0, ended: 0, sets: [] as activity_set[] };
  const stream = new activity_stream(
    api,
    timers,
    sockets.open,
    'conv 1',
    {
      on_activity_set: (set) => {
        log.sets.push(set);
        set.activities.forEach((a) => model.ingest(a));
      },
      on_status: (s) => log.statuses.push(s),
      on_token: (t) => log.tokens.push(t),
      on_auth_error: async () => {
        log.auth_errors += 1;
      },
      on_ended: () => {
        log.ended += 1;
      },
    },
    { ...default_stream_options, ...options },
  );
  const texts = () => model.entries.map((e) => e.text);
  return { timers, http, sockets, stream, model, log, texts };
}

test('server closes the socket: reconnect with the last watermark, replay de-duplicated by id', async () => {
  let reconnects = 0;
  const { timers, http, sockets, stream, log, texts } = setup((req) => {
    if (req.method === 'GET' && req.url.includes('/conversations/conv%201?watermark=')) {
      reconnects += 1;
      return { status: 200, body: { conversationId: 'conv 1', token: 'tok-new', streamUrl: `ws://127.0.0.1:8401/stream?n=${reconnects}` } };
    }
    return { status: 500 };
  });
  stream.start('ws://127.0.0.1:8401/stream?n=0', null);
  const first = sockets.last;
  first.server_open();
  first.server_send({ activities: [bot('a1', 'one'), bot('a2', 'two')], watermark: 'w|2' });
  assert.deepEqual(texts(), ['one', 'two']);

  first.server_close();
  assert.equal(log.statuses.at(-1), 'reconnecting');
  await timers.advance(1_000); // first backoff is at most 1 s
  assert.equal(reconnects, 1);
  assert.ok(http.requests[0]!.url.endsWith('/conversations/conv%201?watermark=w%7C2'), http.requests[0]!.url);
  assert.equal(http.requests[0]!.headers['Authorization'], 'Bearer tok');
  assert.deepEqual(log.tokens, ['tok-new']);
  const second = sockets.last;
  assert.equal(second.url, 'ws://127.0.0.1:8401/stream?n=1');
  second.server_open();
  // The server replays from the watermark, including one activity the client already has.
  second.server_send({ activities: [bot('a2', 'two'), bot('a3', 'three')], watermark: 'w|3' });
  assert.deepEqual(texts(), ['one', 'two', 'three']);
  assert.equal(stream.watermark, 'w|3');
  assert.equal(log.statuses.at(-1), 'online');
  stream.stop();
});

test('keep-alives both ways; empty, binary, malformed and oversized frames are ignored', async () => {
  const { timers, sockets, stream, texts } = setup(() => ({ status: 500 }), { max_frame_chars: 1000 });
  stream.start('ws://x/stream', null);
  const socket = sockets.last;
  socket.server_open();
  socket.server_send('');
  socket.onmessage?.({ data: new ArrayBuffer(4) });
  socket.server_send('{not json');
  socket.server_send(JSON.stringify({ activities: 'nope' }));
  socket.server_send(JSON.stringify({ activities: [bot('big', 'x'.repeat(2000))] }));
  socket.server_send({ activities: [{ nottype: 1 }, bot('ok', 'fine')], watermark: '' });
  assert.deepEqual(texts(), ['fine']);
  assert.equal(stream.watermark, null, 'an empty watermark keeps the previous one');
  await timers.advance(20_000);
  assert.deepEqual(socket.sent, ['']);
  await timers.advance(20_000);
  assert.deepEqual(socket.sent, ['', '']);
  stream.stop();
});

test('sockets that never open: after 3 the stream falls back to polling with the watermark', async () => {
  const polls: string[] = [];
  const { timers, sockets, stream, log, texts } = setup((req) => {
    if (req.url.includes('/activities?watermark=')) {
      polls.push(new URL(req.url).searchParams.get('watermark')!);
      if (polls.length === 1) return { status: 200, body: { activities: [bot('a1', 'one')], watermark: '1' } };
      if (polls.length === 2) return { status: 200, body: { activities: [bot('a1', 'one'), bot('a2', 'two')] } }; // no watermark
      return { status: 200, body: { activities: [], watermark: '2' } };
    }
    return { status: 200, body: { conversationId: 'conv 1', streamUrl: 'ws://x/stream' } };
  });
  stream.start('ws://x/stream', null);
  sockets.last.fail();
  await timers.advance(1_000);
  sockets.last.fail();
  await timers.advance(2_000);
  sockets.last.fail();
  assert.equal(sockets.sockets.length, 3);
  assert.equal(stream.transport, 'polling');
  await timers.advance(3_000);
  assert.equal(sockets.sockets.length, 3, 'no more sockets once polling');
  assert.deepEqual(polls.slice(0, 4), ['', '1', '1', '2']);
  assert.deepEqual(texts(), ['one', 'two']);
  assert.equal(log.statuses.at(-1), 'online');
  stream.stop();
});

test('data-transport=polling never opens a socket; polls do not overlap and follow the interval', async () => {
  let in_flight = 0;
  let max_in_flight = 0;
  const { timers, http, sockets, stream } = setup((req) => {
    in_flight += 1;
    max_in_flight = Math.max(max_in_flight, in_flight);
    queueMicrotask(() => (in_flight -= 1));
    return req.url.includes('/activities') ? { status: 200, body: { activities: [], watermark: '0' } } : { status: 500 };
  }, { mode: 'polling' });
  stream.start('ws://x/stream', null);
  await timers.advance(5_000);
  assert.equal(sockets.sockets.length, 0);
  assert.ok(http.requests.length >= 5 && http.requests.length <= 6, String(http.requests.length));
  assert.equal(max_in_flight, 1);
  stream.stop();
  const after = http.requests.length;
  await timers.advance(5_000);
  assert.equal(http.requests.length, after, 'stop() ends polling');
});

test('403 on reconnect asks for a fresh token and retries; 404 ends the conversation', async () => {
  let n = 0;
  const { timers, sockets, stream, log } = setup(() => {
    n += 1;
    if (n === 1) return { status: 403 };
    if (n === 2) return { status: 200, body: { streamUrl: 'ws://x/s2' } };
    return { status: 404 };
  });
  stream.start('ws://x/s1', 'w5');
  sockets.last.server_open();
  sockets.last.server_close();
  await timers.advance(1_000);
  assert.equal(log.auth_errors, 1);
  await timers.advance(2_000);
  assert.equal(sockets.last.url, 'ws://x/s2');
  sockets.last.server_open();
  sockets.last.server_close();
  await timers.advance(2_000);
  assert.equal(log.ended, 1);
  const count = sockets.sockets.length;
  await timers.advance(60_000);
  assert.equal(sockets.sockets.length, count, 'no reconnects after the conversation ended');
});

test('reconnect backoff grows with jitter and is capped', async () => {
  const { timers, http, sockets, stream } = setup(() => 'network-error');
  timers.default_random = 1;
  stream.start('ws://x/s', null);
  sockets.last.server_open();
  sockets.last.server_close();
  const times: number[] = [];
  const t0 = timers.now();
  for (let i = 0; i < 8; i += 1) {
    const before = http.requests.length;
    while (http.requests.length === before) await timers.advance(100);
    times.push(timers.now() - t0);
  }
  const gaps = times.map((t, i) => t - (i === 0 ? 0 : times[i - 1]!));
  assert.deepEqual(gaps.slice(0, 6), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
  assert.equal(gaps[7], 30_000);
  stream.stop();
});
