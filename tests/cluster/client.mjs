// Direct Line clients against a Parley cluster (examples/cluster/start.sh). Usage:
//   node client.mjs two-nodes URL_A URL_B   a stream held on node A receives, in order, with no gap and
//                                           no duplicate, what was appended on node B (user messages
//                                           posted to B, some to A at the same time, and the bot's
//                                           replies arriving through HAProxy); a stream token used on
//                                           one node is refused on the other
//   node client.mjs round-trip URL          messages and their answers over a stream, through URL
//   node client.mjs failover URL_A LB PID [STREAMS] [MESSAGES]   STREAMS streams on node A (pid PID),
//                                           A killed with SIGKILL mid-burst: every stream reconnects
//                                           through LB and gets every activity once, in order
//   node client.mjs drain URL_A LB PID [STREAMS] [MESSAGES]   the same with SIGTERM: every stream
//                                           closed with 1001 first
// URLs are channel base URLs (http://host:port). The channel secret comes from $CHANNEL_SECRET.
// Prints "ok: ..." lines and exits 0, or prints the failure and exits 1.
import assert from 'node:assert/strict';
import WebSocket from 'ws';

const secret = process.env.CHANNEL_SECRET;
const deadline = (ms) => Date.now() + ms;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function http(base, method, path, credential, body) {
  const headers = { Authorization: `Bearer ${credential}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(`${base}/v3/directline${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20000),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

async function startConversation(base) {
  const user = `dl_cluster${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const gen = await http(base, 'POST', '/tokens/generate', secret, { user: { id: user } });
  assert.equal(gen.status, 200, JSON.stringify(gen.json));
  const conv = await http(base, 'POST', '/conversations', gen.json.token, {});
  assert.equal(conv.status, 201, JSON.stringify(conv.json));
  return { user, token: conv.json.token, id: conv.json.conversationId, streamUrl: conv.json.streamUrl };
}

// The stream URL the channel gave (its public URL: HAProxy), pointed at `base` instead.
function streamOn(streamUrl, base) {
  const u = new URL(streamUrl);
  const b = new URL(base);
  u.protocol = b.protocol === 'https:' ? 'wss:' : 'ws:';
  u.host = b.host;
  return u.toString();
}

// Opens a stream; resolves with { ws, activities, closed } once open, or rejects with the refusal.
function openStream(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const s = { ws, activities: [], watermarks: [], closed: null };
    ws.on('open', () => resolve(s));
    ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })));
    ws.on('error', (e) => reject(e));
    ws.on('message', (data) => {
      const text = String(data);
      if (!text) return;  // keep-alive
      const frame = JSON.parse(text);
      for (const a of frame.activities || []) s.activities.push(a);
      if (frame.watermark !== undefined) s.watermarks.push(frame.watermark);
    });
    ws.on('close', (code) => { s.closed = code; });
  });
}

async function waitFor(pred, ms, what) {
  const end = deadline(ms);
  while (Date.now() < end) {
    if (pred()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const seqOf = (conversationId, a) => {
  const [conv, digits] = a.id.split('|');
  assert.equal(conv, conversationId, `activity ${a.id} of another conversation`);
  return Number(digits);
};

// In order, each once: the ids' sequence numbers strictly increase. (No gap: the callers compare
// with what the store serves by polling; records not shown to clients leave holes in the numbers.)
function checkSequence(conversationId, activities) {
  activities.forEach((a, k) => {
    if (k > 0) assert.ok(seqOf(conversationId, a) > seqOf(conversationId, activities[k - 1]), `activity ${k}: ${a.id} after ${activities[k - 1].id}`);
  });
}

async function send(base, c, text) {
  const r = await http(base, 'POST', `/conversations/${c.id}/activities`, c.token, { type: 'message', from: { id: c.user }, text });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.id;
}

async function twoNodes(a, b) {
  const c = await startConversation(b);
  const stream = await openStream(streamOn(c.streamUrl, a));
  // 30 messages, 6 at a time: two of three posted to B, one to A, so that both nodes append to
  // the conversation at once; each is answered by the bot through HAProxy (either node).
  const sent = [];
  for (let round = 0; round < 5; ++round) {
    const batch = [];
    for (let k = 0; k < 6; ++k) {
      const n = round * 6 + k;
      batch.push(send(n % 3 === 2 ? a : b, c, `message ${n}`).then((id) => sent.push({ id, text: `message ${n}` })));
    }
    await Promise.all(batch);
  }
  const answered = () => sent.every((m) => stream.activities.some((x) => x.replyToId === m.id));
  await waitFor(answered, 30000, 'every answer on the stream held on node A');
  await sleep(300);  // anything extra (a duplicate) would arrive now
  const messages = stream.activities.filter((x) => x.type === 'message');
  assert.equal(messages.length, 60, `60 messages expected on A's stream, got ${messages.length}`);
  checkSequence(c.id, stream.activities);
  for (const m of sent) {
    assert.equal(stream.activities.filter((x) => x.id === m.id).length, 1, `${m.text} once`);
    const reply = stream.activities.filter((x) => x.replyToId === m.id);
    assert.equal(reply.length, 1, `one answer to ${m.text}`);
    assert.equal(reply[0].text, m.text);
    assert.ok(seqOf(c.id, reply[0]) > seqOf(c.id, stream.activities.find((x) => x.id === m.id)), 'answer after question');
  }
  // What node B serves by polling is what A streamed, in the same order.
  const polled = await http(b, 'GET', `/conversations/${c.id}/activities`, c.token);
  assert.equal(polled.status, 200);
  assert.deepEqual(polled.json.activities.map((x) => x.id), stream.activities.map((x) => x.id));
  console.log(`ok: node A streamed ${stream.activities.length} activities appended on A and B, in order, once each`);
  stream.ws.close();

  // A stream token is used once in the whole cluster: spent on one node, refused on the other.
  for (const [first, second, label] of [[a, b, 'A then B'], [b, a, 'B then A']]) {
    const again = await http(b, 'GET', `/conversations/${c.id}?watermark=${stream.activities.length}`, c.token);
    assert.equal(again.status, 200, JSON.stringify(again.json));
    const s1 = await openStream(streamOn(again.json.streamUrl, first));
    s1.ws.close();
    const refused = await openStream(streamOn(again.json.streamUrl, second)).then(
      (s) => { s.ws.close(); return null; }, (e) => e);
    assert.ok(refused && refused.status === 403, `the token's second use (${label}) must be refused: ${refused && refused.message}`);
  }
  console.log('ok: a stream token used on one node is refused on the other');
}

async function roundTrip(base) {
  const c = await startConversation(base);
  const stream = await openStream(c.streamUrl.startsWith('ws') ? c.streamUrl : streamOn(c.streamUrl, base));
  const ids = [];
  for (let n = 0; n < 5; ++n) ids.push(await send(base, c, `round trip ${n}`));
  await waitFor(() => ids.every((id) => stream.activities.some((x) => x.replyToId === id)), 30000, 'the answers');
  checkSequence(c.id, stream.activities);
  const polled = await http(base, 'GET', `/conversations/${c.id}/activities`, c.token);
  assert.deepEqual(stream.activities.map((x) => x.id), polled.json.activities.map((x) => x.id), 'stream == store');
  stream.ws.close();
  console.log(`ok: ${ids.length} round trips over a stream through ${base}`);
}

// A stream that reconnects the way directlinejs does: after any close, GET /conversations/{id}
// with the last watermark it saw, and a new stream from there (through `base`, the load balancer).
async function resilientStream(base, c, firstUrl) {
  const s = { activities: [], reconnects: 0, stopped: false, ws: null, closeCodes: [] };
  let watermark = '';
  const attach = (url) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    s.ws = ws;
    ws.on('open', () => resolve());
    ws.on('unexpected-response', (_q, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.on('error', (e) => reject(e));
    ws.on('message', (data) => {
      const text = String(data);
      if (!text) return;
      const frame = JSON.parse(text);
      for (const a of frame.activities || []) s.activities.push(a);
      if (frame.watermark !== undefined) watermark = frame.watermark;
    });
    ws.on('close', (code) => {
      if (s.stopped) return;
      s.closeCodes.push(code);
      reconnect();
    });
  });
  const reconnect = async () => {
    for (let attempt = 0; !s.stopped && attempt < 100; ++attempt) {
      try {
        const r = await http(base, 'GET', `/conversations/${c.id}?watermark=${watermark}`, c.token);
        if (r.status === 200) {
          await attach(r.json.streamUrl);
          ++s.reconnects;
          return;
        }
      } catch { /* the node went away mid-request: try again */ }
      await sleep(100);
    }
  };
  await attach(firstUrl);
  return s;
}

// POST with retries through the load balancer: a request cut by a node's death is sent again
// (it may then be stored twice, as two activities: the client's own doing, seen as such).
async function sendRetrying(base, c, text) {
  for (let attempt = 0; attempt < 50; ++attempt) {
    try {
      const r = await http(base, 'POST', `/conversations/${c.id}/activities`, c.token, { type: 'message', from: { id: c.user }, text });
      if (r.status === 200) return r.json.id;
    } catch { /* cut: again */ }
    await sleep(100);
  }
  throw new Error(`could not send ${text}`);
}

// STREAMS conversations stream from node A (pid PID) and post through the load balancer; A is
// killed (SIGKILL) in the middle of the burst. Every stream reconnects through the load balancer
// to another node and ends with exactly the conversation's activities, in order, once each.
async function failover(a, base, pid, streams, perStream, signal = 'SIGKILL') {
  const convs = [];
  for (let k = 0; k < streams; ++k) {
    const c = await startConversation(base);
    c.stream = await resilientStream(base, c, streamOn(c.streamUrl, a));
    convs.push(c);
  }
  const sent = convs.map(() => []);
  let killed = false;
  for (let n = 0; n < perStream; ++n) {
    if (!killed && n === Math.floor(perStream / 2)) {
      process.kill(pid, signal);
      killed = true;
    }
    await Promise.all(convs.map((c, k) => sendRetrying(base, c, `burst ${n}`).then((id) => sent[k].push(id))));
  }
  for (const [k, c] of convs.entries()) {
    await waitFor(() => sent[k].every((id) => c.stream.activities.some((x) => x.replyToId === id)), 60000,
      `every answer on stream ${k} (${c.stream.activities.length} seen, ${c.stream.reconnects} reconnects)`);
  }
  await sleep(500);
  let reconnects = 0;
  for (const c of convs) {
    c.stream.stopped = true;
    c.stream.ws.close();
    reconnects += c.stream.reconnects;
    checkSequence(c.id, c.stream.activities);
    const polled = await http(base, 'GET', `/conversations/${c.id}/activities`, c.token);
    assert.deepEqual(c.stream.activities.map((x) => x.id), polled.json.activities.map((x) => x.id), 'stream == store');
  }
  assert.ok(reconnects >= streams, `every stream reconnected (${reconnects})`);
  if (signal === 'SIGTERM') {
    // A drained node says goodbye: 1001 (going away) on every stream, never an error code.
    for (const c of convs) assert.equal(c.stream.closeCodes[0], 1001, `close codes ${c.stream.closeCodes}`);
  }
  const how = signal === 'SIGTERM' ? 'the drain (SIGTERM, 1001)' : 'the kill (SIGKILL)';
  console.log(`ok: ${streams} streams survived ${how} of their node: every activity once, in order (${reconnects} reconnects)`);
}

// Not a test: COUNT messages posted one after the other to node `post`, each seen on a stream held
// on `post` itself (the in-process path) and on a stream held on node `a` (one bus hop). Prints,
// as one JSON line, p50/p90/p99 of: POST start → frame on the same node, and frame on the same
// node → frame on the other node (what the bus adds). bench/cluster/run.sh
async function latency(a, post, count, label) {
  const c = await startConversation(post);
  const arrivals = async (base) => {
    const s = await openStream(streamOn(c.streamUrl, base));
    const seen = new Map();
    s.ws.on('message', (data) => {
      const text = String(data);
      if (!text) return;
      for (const x of JSON.parse(text).activities || []) if (x.text && !x.replyToId && !seen.has(x.text)) seen.set(x.text, performance.now());
    });
    return { s, seen };
  };
  const local = await arrivals(post);
  // A second stream token for the other node's stream (each is single use).
  const again = await http(post, 'GET', `/conversations/${c.id}`, c.token);
  c.streamUrl = again.json.streamUrl;
  const remote = await arrivals(a);
  const toLocal = [];
  const hop = [];
  for (let n = 0; n < count; ++n) {
    const text = `latency ${n}`;
    const t0 = performance.now();
    await send(post, c, text);
    await waitFor(() => local.seen.has(text) && remote.seen.has(text), 10000, text);
    toLocal.push(local.seen.get(text) - t0);
    hop.push(remote.seen.get(text) - local.seen.get(text));
  }
  local.s.ws.close();
  remote.s.ws.close();
  const stats = (v) => {
    v.sort((x, y) => x - y);
    const q = (p) => Number(v[Math.min(v.length - 1, Math.floor(p * v.length))].toFixed(2));
    return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: Number(v.at(-1).toFixed(2)) };
  };
  console.log(JSON.stringify({ label, count, post_to_local_frame_ms: stats(toLocal), local_to_remote_frame_ms: stats(hop) }));
}

const [scenario, ...args] = process.argv.slice(2);
try {
  if (scenario === 'two-nodes') await twoNodes(args[0], args[1]);
  else if (scenario === 'round-trip') await roundTrip(args[0]);
  else if (scenario === 'failover') await failover(args[0], args[1], Number(args[2]), Number(args[3] || 10), Number(args[4] || 10));
  else if (scenario === 'latency') await latency(args[0], args[1], Number(args[2] || 200), args[3] || '');
  else if (scenario === 'drain') await failover(args[0], args[1], Number(args[2]), Number(args[3] || 10), Number(args[4] || 10), 'SIGTERM');
  else throw new Error(`unknown scenario ${scenario}`);
  process.exit(0);
} catch (e) {
  console.error('FAILED:', e.message);
  process.exit(1);
}
