import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desk_events, events_url, socket_like } from '../src/events';

class fake_socket implements socket_like {
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  closed: number | null = null;
  close(code?: number) {
    this.closed = code ?? 1000;
  }
}

test('events: envelopes go to the handler; session.ended stops for good', () => {
  const sockets: fake_socket[] = [];
  const got: string[] = [];
  let ended = '';
  const ev = new desk_events(() => {
    const s = new fake_socket();
    sockets.push(s);
    return s;
  }, (e) => got.push(`${e.seq}:${e.type}`), (r) => (ended = r));
  ev.start();
  sockets[0].onmessage?.({ data: '{"seq":1,"type":"hello","data":{}}' });
  sockets[0].onmessage?.({ data: 'not json' });
  sockets[0].onmessage?.({ data: '{"seq":2,"type":"session.ended","data":{"reason":"backchannel"}}' });
  assert.deepEqual(got, ['1:hello']);
  assert.equal(ended, 'backchannel');
  sockets[0].onclose?.({ code: 4401 });
  assert.equal(sockets.length, 1);
});

test('events: a 4401 close means the session ended; other closes reconnect', async () => {
  const sockets: fake_socket[] = [];
  let ended = '';
  const ev = new desk_events(() => {
    const s = new fake_socket();
    sockets.push(s);
    return s;
  }, () => {}, (r) => (ended = r));
  ev.start();
  sockets[0].onclose?.({ code: 1006 });
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(sockets.length, 2);
  sockets[1].onclose?.({ code: 4401 });
  assert.equal(ended, 'ended');
  ev.stop();
});

test('events url follows the page scheme', () => {
  assert.equal(events_url({ protocol: 'https:', host: 'desk.example' }), 'wss://desk.example/desk/api/events');
  assert.equal(events_url({ protocol: 'http:', host: '127.0.0.1:8403' }), 'ws://127.0.0.1:8403/desk/api/events');
});
