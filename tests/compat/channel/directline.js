// botframework-directlinejs 0.15.5 (the exact version Web Chat 4.18 pins) against a real parley
// process and a real botbuilder bot, in Node with the `ws` WebSocket and the `xhr2`
// XMLHttpRequest that directlinejs' RxJS ajax needs. Usage:
//   node directline.js SCENARIO CHANNEL_URL        (the channel secret comes from $CHANNEL_SECRET)
// Scenarios: websocket, polling, reconnect, expiry. Each prints "ok: ..." lines and exits 0, or
// prints the failure and exits 1.
'use strict';
global.XMLHttpRequest = require('xhr2');
const RealWebSocket = require('ws');
// With DEBUG set, the client's sockets report their opening and closing.
const WebSocket = process.env.DEBUG
  ? class extends RealWebSocket {
    constructor(url) {
      super(url);
      global.lastClientSocket = this;
      this.on('open', () => console.log('client socket open'));
      this.on('message', (d) => console.log('client frame', String(d).slice(0, 80)));
      this.on('close', (code, reason) => console.log('client socket closed', code, String(reason)));
    }
  }
  : RealWebSocket;
// directlinejs decides on WebSocket mode with `typeof WebSocket !== 'undefined'` (Node 20 has no
// global WebSocket), then uses the class given in its options.
global.WebSocket = WebSocket;
const assert = require('assert');
const { DirectLine, ConnectionStatus } = require('botframework-directlinejs');

const [scenario, channelUrl] = process.argv.slice(2);
const domain = `${channelUrl}/v3/directline`;
const secret = process.env.CHANNEL_SECRET;

function log(...a) { console.log(...a); }
function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

async function http(method, path, credential, body) {
  const headers = { Authorization: `Bearer ${credential}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(`${domain}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

// What a bot web service does with its secret: a token bound to a dl_ user.
async function generateToken() {
  const r = await http('POST', '/tokens/generate', secret, { user: { id: `dl_compat${Date.now()}` } });
  assert.strictEqual(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

// Collects every activity the client sees; resolves waiters by predicate.
function collect(dl) {
  const seen = [];
  const waiters = [];
  const sub = dl.activity$.subscribe(
    (a) => {
      seen.push(a);
      for (const w of waiters.slice()) {
        if (w.pred(seen)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
      }
    },
    (e) => log('activity$ error', e && e.message),
  );
  return {
    seen,
    sub,
    until(pred, ms = 20000, what = 'activities') {
      if (pred(seen)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen.map((a) => [a.id, a.type, a.text]))}`)), ms);
      });
    },
  };
}

function statusWatcher(dl) {
  const history = [];
  dl.connectionStatus$.subscribe((s) => history.push(s));
  return {
    history,
    until(status, ms = 20000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`status ${status} not reached; saw ${history}`)), ms);
        const s = dl.connectionStatus$.subscribe((v) => { if (v === status) { clearTimeout(t); s && s.unsubscribe && s.unsubscribe(); resolve(); } });
      });
    },
  };
}

function post(dl, activity) {
  return new Promise((resolve, reject) => {
    dl.postActivity(activity).subscribe((id) => resolve(id), (e) => reject(e));
  });
}

const texts = (seen) => seen.filter((a) => a.type === 'message').map((a) => a.text);

async function chat(webSocket) {
  const t = await generateToken();
  const dl = new DirectLine({ token: t.token, domain, webSocket, pollingInterval: 200, WebSocket, random: () => 0 });
  assert.strictEqual(dl.webSocket, webSocket, 'directlinejs runs in the intended mode');
  const status = statusWatcher(dl);
  const c = collect(dl);
  await status.until(ConnectionStatus.Online);
  const user = JSON.parse(Buffer.from(t.token.split('.')[1], 'base64url').toString()).user;
  // The bot's welcome (conversationUpdate with the user from the token).
  await c.until((s) => texts(s).includes(`welcome ${user}`), 20000, 'the welcome');
  const id = await post(dl, { type: 'message', from: { id: 'spoofed', name: 'Alice' }, text: 'hello', channelData: { clientActivityID: 'cid-1' } });
  assert.ok(typeof id === 'string' && id.startsWith(`${t.conversationId}|`), `post returned ${id}`);
  await c.until((s) => texts(s).includes('echo: hello'), 20000, 'the echo and the reply');
  const echo = c.seen.find((a) => a.id === id);
  assert.ok(echo, 'the user activity is echoed with its id');
  assert.strictEqual(echo.from.id, user, 'from.id is the bound user, not the spoofed one');
  assert.strictEqual(echo.channelData.clientActivityID, 'cid-1', 'channelData passes through');
  const reply = c.seen.find((a) => a.text === 'echo: hello');
  assert.strictEqual(reply.replyToId, id);
  assert.ok(new Date(reply.timestamp) > new Date(echo.timestamp), 'timestamps are monotonic');
  assert.ok(!c.seen.some((a) => a.type === 'conversationUpdate'), 'conversationUpdate never reaches clients');
  const ids = c.seen.map((a) => a.id);
  assert.strictEqual(new Set(ids).size, ids.length, `no duplicates: ${ids}`);
  // The refresh call directlinejs makes every 15 minutes (empty POST, no Content-Type).
  const fresh = await new Promise((resolve, reject) => dl.refreshToken().take(1).subscribe(resolve, reject));
  assert.ok(typeof fresh === 'string' && fresh !== t.token, 'refresh returns a new token');
  log(`ok: ${webSocket ? 'websocket' : 'polling'}: start, welcome, post ${id}, echo with bound from.id, reply, refresh`);
  return { dl, c, t };
}

async function reconnect() {
  const { dl, c, t } = await chat(true);
  const before = c.seen.length;
  // Take the conversation's socket away (one socket per conversation: "collision"), as a second
  // tab would; directlinejs reconnects through GET /conversations/{id}?watermark= 3 s later.
  const r = await http('GET', `/conversations/${t.conversationId}?watermark=`, dl.token);
  assert.strictEqual(r.status, 200);
  const intruder = new RealWebSocket(r.json.streamUrl);
  let intruderClosedAt = 0;
  intruder.on('close', (code, reason) => { intruderClosedAt = Date.now(); if (process.env.DEBUG) log('intruder closed', code, String(reason)); });
  await new Promise((resolve, reject) => { intruder.on('open', resolve); intruder.on('error', reject); });
  if (process.env.DEBUG) log('intruder open');
  intruder.on('message', (d) => { if (process.env.DEBUG) log('intruder frame', String(d).slice(0, 80)); });
  if (process.env.DEBUG) setTimeout(() => log('client socket state 1 s later', global.lastClientSocket.readyState), 1000);
  await sleep(300);
  // Posted while the client is disconnected (through REST with its token).
  const sent = await http('POST', `/conversations/${t.conversationId}/activities`, dl.token,
    { type: 'message', from: { id: 'x' }, text: 'while away', channelData: { clientActivityID: 'cid-away' } });
  assert.strictEqual(sent.status, 200, JSON.stringify(sent.json));
  await c.until((s) => texts(s).includes('echo: while away'), 25000, 'the activities sent while disconnected');
  const intruderClosed = await new Promise((resolve) => {
    if (intruderClosedAt) return resolve(true);
    intruder.on('close', () => resolve(true));
    setTimeout(() => resolve(false), 5000);
  });
  assert.ok(intruderClosed, 'the client took the conversation back (collision closes the older socket)');
  const ids = c.seen.map((a) => a.id);
  assert.strictEqual(new Set(ids).size, ids.length, `nothing repeated after the reconnect: ${ids}`);
  assert.ok(c.seen.slice(before).some((a) => a.id === sent.json.id), 'nothing lost');
  log(`ok: reconnect: server closed the socket, client reconnected with watermark, ${c.seen.length - before} new activities, no duplicates`);
  dl.end();
}

async function expiry() {
  const t = await generateToken();  // the test config gives this bot a 3 s token lifetime
  const dl = new DirectLine({ token: t.token, domain, webSocket: false, pollingInterval: 200, WebSocket, random: () => 0 });
  const status = statusWatcher(dl);
  collect(dl);
  await status.until(ConnectionStatus.Online);
  await status.until(ConnectionStatus.ExpiredToken, 15000);
  const r = await http('POST', '/tokens/refresh', t.token);
  assert.strictEqual(r.status, 403);
  assert.strictEqual(r.json.error.code, 'TokenExpired');
  log(`ok: expiry: status ${status.history.join(' -> ')} (ExpiredToken), refresh of the expired token -> 403 TokenExpired`);
  dl.end();
}

// A botbuilder bot sends handoff.initiate through the Connector and receives handoff.status
// (ADR 0021). This channel runs without a service desk, so the answer is `failed`, at once (before
// the channel answers the bot's POST); the client never sees the bot's handoff event, its routing
// context or its transcript.
async function handoff() {
  const { dl, c } = await chat(true);
  await post(dl, { type: 'message', text: 'human please' });
  await c.until((s) => texts(s).includes('handoff status: failed'), 20000, 'handoff.status failed said by the bot');
  await c.until((s) => texts(s).includes('handoff requested'), 20000, "the bot's send of handoff.initiate returned");
  assert.ok(!c.seen.some((a) => a.name === 'handoff.initiate' || a.name === 'handoff.status'),
    'handoff events stay between the bot and the channel');
  // A client cannot start a handoff itself.
  const refused = await new Promise((resolve) => dl.postActivity({ type: 'event', name: 'handoff.initiate', from: { id: 'x' } })
    .subscribe(() => resolve(false), () => resolve(true)));
  assert.ok(refused, 'a client handoff.initiate is refused');
  log('ok: handoff: botbuilder EventFactory.createHandoffInitiation -> handoff.status failed (no desk)');
  dl.end();
}

(async () => {
  if (scenario === 'websocket') (await chat(true)).dl.end();
  else if (scenario === 'handoff') await handoff();
  else if (scenario === 'polling') (await chat(false)).dl.end();
  else if (scenario === 'reconnect') await reconnect();
  else if (scenario === 'expiry') await expiry();
  else throw new Error(`unknown scenario ${scenario}`);
  process.exit(0);
})().catch((e) => {
  console.error(`FAILED (${scenario}):`, e && (e.stack || e.message || e));
  process.exit(1);
});
