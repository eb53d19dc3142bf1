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
import { execFile, execFileSync } from 'node:child_process';

const secret = process.env.CHANNEL_SECRET;
const deadline = (ms) => Date.now() + ms;
const serviceScript = new URL('../../examples/cluster/service.sh', import.meta.url).pathname;
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

// Everything the store serves by polling, page after page (a page holds at most 100 activities).
async function polledAll(base, c) {
  const all = [];
  let watermark = '';
  for (;;) {
    const r = await http(base, 'GET', `/conversations/${c.id}/activities?watermark=${watermark}`, c.token);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    all.push(...r.json.activities);
    if (r.json.activities.length === 0 || r.json.watermark === watermark) return { status: 200, json: { activities: all } };
    watermark = r.json.watermark;
  }
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
  const polled = await polledAll(b, c);
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
  const polled = await polledAll(base, c);
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
    // Until it works (a database restart takes several seconds), for at most 90 s.
    for (const end = deadline(90000); !s.stopped && Date.now() < end;) {
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
async function sendRetrying(base, c, text, failures = []) {
  for (let attempt = 0; attempt < 50; ++attempt) {
    try {
      const r = await http(base, 'POST', `/conversations/${c.id}/activities`, c.token, { type: 'message', from: { id: c.user }, text });
      if (r.status === 200) return r.json.id;
      failures.push(`${r.status} ${r.json?.error?.code ?? ''}`);
    } catch (e) { failures.push(e.name); }
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
    const polled = await polledAll(base, c);
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

// PostgreSQL stopped mid-conversation (examples/cluster/service.sh): requests that need it get a
// 503 with Retry-After, promptly, with no internals in the body; every node's /readyz says 503 (HAProxy
// drains them, then fails open: the nodes answer the 503); PostgreSQL started again: every node is ready by
// itself, POSTs to each channel node work, and the stream (reconnecting the directlinejs way) has
// the whole conversation, in order, once each.
async function dbRestart(base, dir, opsList, channelList) {
  const ops = opsList.split(',');
  const channels = channelList.split(',');
  const service = (action) => execFileSync(serviceScript, ['postgres', action, dir], { stdio: 'pipe' });
  const c = await startConversation(base);
  c.stream = await resilientStream(base, c, c.streamUrl);
  const sent = [];
  for (let n = 0; n < 3; ++n) sent.push(await send(base, c, `before ${n}`));
  const answered = () => sent.every((id) => c.stream.activities.some((x) => x.replyToId === id));
  await waitFor(answered, 30000, 'the answers before the restart');

  service('stop');
  const readyz = async (url) => {
    try {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
      return { status: r.status, text: await r.text() };
    } catch (e) {
      return { status: 0, text: e.message };
    }
  };
  // Requests that need the database, through the balancer and on each channel node directly.
  const refusedPromptly = async (b, label) => {
    const t0 = Date.now();
    const r = await fetch(`${b}/v3/directline/conversations/${c.id}/activities`, {
      method: 'POST', headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', from: { id: c.user }, text: 'while the database is down' }),
      signal: AbortSignal.timeout(20000),
    });
    const ms = Date.now() - t0;
    const text = await r.text();
    assert.equal(r.status, 503, `${label}: ${r.status} ${text}`);
    assert.ok(Number(r.headers.get('retry-after')) > 0, `${label}: Retry-After ${r.headers.get('retry-after')}`);
    assert.equal(JSON.parse(text).error.code, 'ServiceUnavailable', `${label}: ${text}`);
    assert.ok(!/postgres|pqxx|libpq|sql|password|dsn|127\.0\.0\.1/i.test(text), `${label}: internals in ${text}`);
    assert.ok(ms < 10000, `${label}: answered after ${ms} ms`);
    return ms;
  };
  const times = [await refusedPromptly(base, 'through HAProxy')];
  for (const [k, ch] of channels.entries()) times.push(await refusedPromptly(ch, `channel node ${k}`));
  // Every node says not ready (the probe runs every second), so HAProxy drains them.
  for (const url of ops) {
    let last;
    const end = deadline(15000);
    while (Date.now() < end) {
      last = await readyz(url);
      if (last.status === 503) break;
      await sleep(200);
    }
    assert.equal(last.status, 503, `${url}/readyz while the database is down: ${last.status} ${last.text}`);
    assert.match(last.text, /store/, `${url}/readyz says why`);
  }
  // Drained, HAProxy fails open (no node ready): the same answer.
  times.push(await refusedPromptly(base, 'through HAProxy, drained'));
  console.log(`ok: database down: 503 with Retry-After in at most ${Math.max(...times)} ms; every /readyz 503`);

  service('start');
  for (const url of ops) {
    const end = deadline(30000);
    let last;
    while (Date.now() < end) {
      last = await readyz(url);
      if (last.status === 200) break;
      await sleep(200);
    }
    assert.equal(last.status, 200, `${url}/readyz after the restart: ${last.status} ${last.text}`);
  }
  // Every channel node takes new messages again (and the bot nodes answer them).
  for (const [k, ch] of channels.entries()) sent.push(await sendRetrying(ch, c, `after ${k}`));
  for (let n = 0; n < 3; ++n) sent.push(await send(base, c, `after lb ${n}`));
  await waitFor(answered, 60000, `every answer after the restart (${c.stream.reconnects} reconnects)`);
  await sleep(300);
  c.stream.stopped = true;
  c.stream.ws.close();
  checkSequence(c.id, c.stream.activities);
  const polled = await polledAll(base, c);
  assert.deepEqual(c.stream.activities.map((x) => x.id), polled.json.activities.map((x) => x.id), 'stream == store');
  console.log(`ok: database back: every node ready and answering; the stream has all ${c.stream.activities.length} activities once, in order (${c.stream.reconnects} reconnects)`);
}

// The broker (RabbitMQ) halted and started again while messages flow: STREAMS streams held on
// node A, messages posted to node B (so that A hears of them over the bus only) all along; every
// message acknowledged (200) is on its stream once, in order, answered, and the stream is exactly
// what the store serves: the bus reconnected, restored its links and caught up from the store.
async function brokerRestart(a, b, base, dir, streams) {
  const convs = [];
  for (let k = 0; k < streams; ++k) {
    const c = await startConversation(b);
    c.stream = await resilientStream(base, c, streamOn(c.streamUrl, a));
    convs.push(c);
  }
  const sent = convs.map(() => []);
  const refused = [];
  let flowing = true;
  let n = 0;
  const sender = (async () => {
    while (flowing) {
      const round = n++;
      await Promise.all(convs.map(async (c, k) => {
        try {
          const r = await http(b, 'POST', `/conversations/${c.id}/activities`, c.token, { type: 'message', from: { id: c.user }, text: `flow ${round}` });
          if (r.status === 200) sent[k].push(r.json.id);
          else refused.push(`${r.status} ${r.json?.error?.code ?? ''}`);
        } catch (e) { refused.push(e.name); }
      }));
      await sleep(50);
    }
  })();
  const service = (action) => new Promise((resolve, reject) => {
    execFile(serviceScript, ['broker', action, dir], { env: process.env }, (e) => (e ? reject(e) : resolve()));
  });
  await sleep(1000);
  const before = n;
  await service('stop');
  const during = n;
  await sleep(1000);
  await service('start');
  const after = n;
  await sleep(1500);
  flowing = false;
  await sender;
  for (const [k, c] of convs.entries()) {
    await waitFor(() => sent[k].every((id) => c.stream.activities.some((x) => x.replyToId === id)), 60000,
      `every answer on stream ${k} (${c.stream.activities.length} seen, ${sent[k].length} sent)`);
  }
  await sleep(500);
  let total = 0;
  for (const [k, c] of convs.entries()) {
    checkSequence(c.id, c.stream.activities);
    for (const id of sent[k]) assert.equal(c.stream.activities.filter((x) => x.id === id).length, 1, `${id} once on stream ${k}`);
    // The stream ends up with exactly what the store has (answers resent late included).
    let polled;
    const end = deadline(30000);
    do {
      polled = await polledAll(b, c);
      if (polled.json.activities.length <= c.stream.activities.length) break;
      await sleep(200);
    } while (Date.now() < end);
    assert.deepEqual(c.stream.activities.map((x) => x.id), polled.json.activities.map((x) => x.id),
      `stream ${k} == store (${c.stream.reconnects} reconnects, closes ${c.stream.closeCodes}, state ${c.stream.ws.readyState})`);
    total += sent[k].length;
    c.stream.stopped = true;
    c.stream.ws.close();
  }
  // The bot's answers reach the channel through the balancer, which fails open while every node
  // reports the broker unreachable: nothing is refused.
  assert.deepEqual(refused, [], `refused during the restart: ${summary(refused)}`);
  assert.ok(after - before >= 1 && total > 0, `messages flowed during the restart (rounds ${before}..${during}..${after})`);
  console.log(`ok: broker restarted under load: ${total} messages acknowledged (${refused.length} refused: ${summary(refused)}), every one on its stream once, in order, answered (rounds ${before}, stopped by ${during}, started by ${after})`);
}

// A bot node killed with a login held (ADR 0026; the cluster started with --bank): the user logs in
// (push, approved on BankX's phone API) and sees their balance; the bot node that holds the bank
// token (the one whose parley_login_outcomes_total counted the login) is killed with SIGKILL; the
// next question is answered by another bot node, which asks the user to log in again. Every user
// message is answered; the stream is what the store serves; no BankX token is in any activity.
async function botKill(base, bankApi, botNodes) {
  const bots = JSON.parse(botNodes);  // [{pid, ops}]
  const c = await startConversation(base);
  c.stream = await resilientStream(base, c, c.streamUrl);
  const botTexts = () => c.stream.activities.filter((x) => x.from?.id !== c.user && x.type === 'message').map((x) => x.text || '');
  const failures = [];
  const say = async (text, expect, what) => {
    const seen = botTexts().length;
    const id = await sendRetrying(base, c, text, failures);
    await waitFor(() => botTexts().slice(seen).some((t) => expect.test(t)), 30000, `${what} (bot said: ${JSON.stringify(botTexts().slice(seen))})`);
    return id;
  };
  const bank = new URL(bankApi).origin;
  const phone = async (method, path, session, body) => {
    const headers = session ? { Authorization: `Bearer ${session}` } : {};
    if (body) headers['Content-Type'] = 'application/json';
    const r = await fetch(`${bank}/app/api${path}`, { method, headers, body: body && JSON.stringify(body), signal: AbortSignal.timeout(10000) });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : undefined };
  };
  const login = async () => {
    await say('what is my balance', /customer ID/, 'the login prompt');
    await say('anna.schmidt', /How would you like|app/i, 'the push prompt');
    if (/How would you like/.test(botTexts().at(-1))) await say('Approve in the app', /app/i, 'the push request');
    const session = (await phone('POST', '/session', null, { customerId: 'anna.schmidt' })).json.sessionToken;
    let requests = [];
    const end = deadline(15000);
    while (Date.now() < end && requests.length === 0) {
      requests = (await phone('GET', '/state', session)).json.requests;
      if (requests.length === 0) await sleep(100);
    }
    assert.equal(requests.length, 1, 'one login request on the phone');
    const seen = botTexts().length;
    assert.equal((await phone('POST', `/requests/${requests[0].id}/approve`, session)).status, 204);
    await waitFor(() => botTexts().slice(seen).some((t) => /Your balances/.test(t)), 30000, 'the balance after the login');
  };
  const loginsOn = async (ops) => {
    const r = await fetch(`${ops}/metrics`, { signal: AbortSignal.timeout(5000) });
    const m = (await r.text()).match(/^parley_login_outcomes_total\{[^}]*outcome="(?:approved|success|ok)"[^}]*\} (\d+)/m);
    return m ? Number(m[1]) : 0;
  };
  await login();
  const counts = await Promise.all(bots.map((b) => loginsOn(b.ops)));
  const owner = counts.findIndex((n) => n > 0);
  assert.ok(owner >= 0 && counts.filter((n) => n > 0).length === 1, `one bot node ran the login: ${counts}`);
  console.log(`ok: logged in on bot node ${owner}; balance shown`);

  process.kill(bots[owner].pid, 'SIGKILL');
  const seen = botTexts().length;
  await say('what is my balance', /customer ID/, 'a new login prompt on another bot node');
  assert.ok(!botTexts().slice(seen).some((t) => /Your balances/.test(t)), 'no balance without a new login');
  // And the conversation goes on there.
  await say('anna.schmidt', /How would you like|app/i, 'the push prompt after the kill');
  await sleep(500);
  c.stream.stopped = true;
  c.stream.ws.close();
  checkSequence(c.id, c.stream.activities);
  const polled = await polledAll(base, c);
  // Typing indicators are streamed, never served by polling.
  const kept = c.stream.activities.filter((x) => x.type !== 'typing');
  assert.deepEqual(kept.map((x) => x.id), polled.json.activities.map((x) => x.id),
    `stream == store (streamed types: ${c.stream.activities.map((x) => x.type)})`);
  const users = polled.json.activities.filter((x) => x.from?.id === c.user && x.type === 'message');
  // Every user message is answered (login prompts are not replies: any bot message after it).
  for (const u of users) {
    assert.ok(polled.json.activities.some((x) => x.from?.id !== c.user && seqOf(c.id, x) > seqOf(c.id, u)),
      `"${u.text}" answered: ${JSON.stringify(polled.json.activities.map((x) => [x.id.split('|')[1], x.from?.id === c.user ? 'user' : 'bot', x.replyToId?.split('|')[1], (x.text || '').slice(0, 30)]))}`);
  }
  assert.ok(!/bx[ap]_/.test(JSON.stringify(polled.json)), 'no BankX token in the conversation');
  // The question after the kill is not refused: the balancer sends it on to the next bot node.
  assert.deepEqual(failures, [], `posts refused: ${summary(failures)}`);
  console.log(`ok: bot node ${owner} killed with the login held: the next question was answered elsewhere with a new login prompt; ${users.length} user messages, each answered`);
}

const summary = (list) => JSON.stringify(list.reduce((m, x) => ({ ...m, [x]: (m[x] || 0) + 1 }), {}));

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

// Not a test: CONVS conversations through the load balancer, each posting a message and waiting
// for its answer on its stream, again and again for SECONDS. Prints one JSON line: round trips,
// seconds, round trips/s, p50/p99 of one round trip (POST start → the answer's frame).
async function load(base, convs, seconds) {
  const cs = [];
  for (let k = 0; k < convs; ++k) {
    const c = await startConversation(base);
    c.stream = await openStream(c.streamUrl);
    cs.push(c);
  }
  const times = [];
  const end = Date.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(cs.map(async (c) => {
    for (let n = 0; Date.now() < end; ++n) {
      const start = performance.now();
      const id = await send(base, c, `load ${n}`);
      await waitFor(() => c.stream.activities.some((x) => x.replyToId === id), 20000, `answer ${n}`);
      times.push(performance.now() - start);
      c.stream.activities.length = 0;
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  for (const c of cs) c.stream.ws.close();
  times.sort((x, y) => x - y);
  const q = (p) => Number(times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1));
  console.log(JSON.stringify({ convs, round_trips: times.length, seconds: Number(elapsed.toFixed(1)),
    per_second: Number((times.length / elapsed).toFixed(1)), p50_ms: q(0.5), p99_ms: q(0.99) }));
}

const [scenario, ...args] = process.argv.slice(2);
try {
  if (scenario === 'two-nodes') await twoNodes(args[0], args[1]);
  else if (scenario === 'round-trip') await roundTrip(args[0]);
  else if (scenario === 'failover') await failover(args[0], args[1], Number(args[2]), Number(args[3] || 10), Number(args[4] || 10));
  else if (scenario === 'db-restart') await dbRestart(args[0], args[1], args[2], args[3]);
  else if (scenario === 'broker-restart') await brokerRestart(args[0], args[1], args[2], args[3], Number(args[4] || 5));
  else if (scenario === 'bot-kill') await botKill(args[0], args[1], args[2]);
  else if (scenario === 'load') await load(args[0], Number(args[1] || 20), Number(args[2] || 20));
  else if (scenario === 'latency') await latency(args[0], args[1], Number(args[2] || 200), args[3] || '');
  else if (scenario === 'drain') await failover(args[0], args[1], Number(args[2]), Number(args[3] || 10), Number(args[4] || 10), 'SIGTERM');
  else throw new Error(`unknown scenario ${scenario}`);
  process.exit(0);
} catch (e) {
  console.error('FAILED:', e.message);
  process.exit(1);
}
