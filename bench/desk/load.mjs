// The live desk at scale, at the protocol level (no browser): CONSULTANTS desks and CONVERSATIONS
// customers handed over to them at once, on the real platform (`parley demo --port-base 0
// --desk-bench-consultants N`: the channel, the assistant, the desk, the SQLite store, the audit
// log, the test IdP). Each customer is a Direct Line client as the widget is (POST /api/token at the
// bot, POST /conversations, the WebSocket stream, messages), from its own loopback address
// (127.1.x.y: the platform's per-address limits are per customer, as on the Internet); it asks the
// assistant for a human. Each desk signs in through the test IdP (the OIDC code flow of the desk's
// backend-for-frontend: login page, form post, callback; cookies only) from its own address and
// speaks the desk's API (HTTP with the CSRF header, the events WebSocket). Measured, wall clock:
//   take         POST .../take, request to answer (compare-and-set, audit entry, channel accept)
//   to queue     a customer's "talk to a human" sent -> every desk's "queue.changed" (waiting)
//                (the assistant's turn, the handoff, the queue, the event)
//   take → desks a take sent -> every other desk's "queue.changed" (assigned)
//   send         the consultant's POST .../messages sent -> the text on the customer's stream
//   to desk      the customer's POST .../activities sent -> the text on the owner's desk
// Usage: PARLEY_BIN=build/ci/src/app/parley nice -n 10 node bench/desk/load.mjs [--quick]
//   default 50 consultants / 500 conversations; --quick 5 / 50 (under a minute);
//   CONSULTANTS=, CONVERSATIONS=, MESSAGES= (per conversation, default 2) override.
// Needs ./scripts/install-npm.sh once (ws from tests/cluster). Writes the "At scale" section of
// bench/results/desk.md (not with --quick, unless WRITE=1). Exits 1 when anything failed.
import { createRequire } from 'node:module';
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start_demo } from '../../tests/browser/lib/parley_demo.mjs';

const repo_root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WebSocket = createRequire(join(repo_root, 'tests', 'cluster', 'package.json'))('ws');

const quick = process.argv.includes('--quick');
const n_desks = Number(process.env.CONSULTANTS ?? (quick ? 5 : 50));
const n_conv = Number(process.env.CONVERSATIONS ?? (quick ? 50 : 500));
const n_msgs = Number(process.env.MESSAGES ?? 2);
const capacity = Math.ceil(n_conv / n_desks);
if (!(n_desks >= 1 && n_desks <= 200 && n_conv >= 1 && n_conv <= 2000 && capacity <= 50)) {
  console.error('bench/desk/load: 1..200 consultants, 1..2000 conversations, at most 50 per consultant');
  process.exit(2);
}
const started = Date.now();
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
// The i-th loopback address of block b: 127.b.x.y with y in 1..250.
const address = (b, i) => `127.${b}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- HTTP from a given local address, with a cookie jar (Map) when given ----
function request(url, { method = 'GET', headers = {}, body, local, jar } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (jar && jar.size) h.Cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) h['Content-Length'] = Buffer.byteLength(body);
    const req = http.request(url, { method, headers: h, localAddress: local, timeout: 60_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const [pair, ...attrs] = line.split(';');
          const eq = pair.indexOf('=');
          const name = pair.slice(0, eq).trim();
          const value = pair.slice(eq + 1).trim();
          const gone = value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
          if (jar) gone ? jar.delete(name) : jar.set(name, value);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Retries a request answered 429 or 503 (the platform's limits and back-pressure), after Retry-After.
async function patient(url, opts) {
  for (let attempt = 0; ; attempt++) {
    const r = await request(url, opts);
    if ((r.status !== 429 && r.status !== 503) || attempt >= 20) return r;
    await sleep(1000 * Math.min(5, Number(r.headers['retry-after'] ?? 1)));
  }
}

// Runs `fn(item, index)` over items with at most `width` at once.
async function pool(items, width, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(workers);
}

function waitFor(pred, ms, what) {
  return new Promise((resolve, reject) => {
    const end = Date.now() + ms;
    const tick = () => {
      if (pred()) return resolve();
      if (Date.now() > end) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN);
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s.length ? s[s.length - 1] : NaN };
}

// ---- a consultant's desk ----
async function sign_in(desk_base, account, local) {
  const jar = new Map();
  let url = `${desk_base}/desk/login/bankx`;
  let method = 'GET';
  let body;
  let headers = {};
  for (let hop = 0; hop < 20; hop++) {
    const r = await patient(url, { method, body, headers, local, jar });
    if (r.status >= 300 && r.status < 400 && r.headers.location) {
      url = new URL(r.headers.location, url).toString();
      method = 'GET';
      body = undefined;
      headers = {};
      continue;
    }
    if (jar.has('__Host-parley-desk')) return jar;
    const m = /\/interaction\/([A-Za-z0-9_-]+)$/.exec(new URL(url).pathname);
    if (r.status === 200 && m && method === 'GET') {
      url = `${new URL(url).origin}/interaction/${m[1]}/login`;
      method = 'POST';
      body = new URLSearchParams({ username: account.username, password: account.password }).toString();
      headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
      continue;
    }
    throw new Error(`sign-in of ${account.username}: ${method} ${url} answered ${r.status}`);
  }
  throw new Error(`sign-in of ${account.username}: too many redirects`);
}

class desk {
  constructor(base, account, local, index) {
    this.base = base;
    this.origin = new URL(base).origin;
    this.account = account;
    this.local = local;
    this.index = index;
    this.events = []; // [time, type, data]
    this.mine = [];
  }
  async open() {
    this.jar = await sign_in(this.base, this.account, this.local);
    const a = await this.api('PUT', '/desk/api/availability', { state: 'available', capacity });
    if (a.status !== 200) throw new Error(`availability of ${this.account.username}: ${a.status} ${a.text}`);
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    this.ws = new WebSocket(`${this.base.replace(/^http/, 'ws')}/desk/api/events`, {
      headers: { Cookie: cookie, Origin: this.origin },
      localAddress: this.local,
    });
    this.ws.on('message', (raw) => {
      const now = Date.now();
      let e;
      try {
        e = JSON.parse(String(raw));
      } catch {
        return;
      }
      this.events.push([now, e.type, e.data]);
      on_desk_event(this, now, e);
    });
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_q, res) => reject(new Error(`desk events: ${res.statusCode}`)));
    });
  }
  api(method, path, body) {
    const headers = { Origin: this.origin, 'X-Parley-Desk': '1' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return patient(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      local: this.local,
      jar: this.jar,
    });
  }
}

// ---- a customer (a Direct Line client as the widget is) ----
class customer {
  constructor(demo, local, index) {
    this.bot = demo.bot;
    this.local = local;
    this.index = index;
    this.frames = []; // [time, activity]
    this.texts = new Map(); // text -> time it arrived on the stream
  }
  async open() {
    const origin = new URL(this.bot).origin;
    this.origin = origin;
    const t = await patient(`${this.bot}/api/token`, {
      method: 'POST',
      headers: { Origin: origin, 'Content-Type': 'application/json' },
      body: '{}',
      local: this.local,
    });
    if (t.status !== 200) throw new Error(`api/token: ${t.status} ${t.text}`);
    this.user = t.json.userId;
    this.token = t.json.token;
    this.channel = t.json.channelUrl.replace(/\/$/, '');
    const c = await this.dl('POST', '/conversations', {});
    if (c.status !== 200 && c.status !== 201) throw new Error(`conversations: ${c.status} ${c.text}`);
    this.id = c.json.conversationId;
    if (c.json.token) this.token = c.json.token;
    this.ws = new WebSocket(c.json.streamUrl, { headers: { Origin: origin }, localAddress: this.local });
    this.ws.on('message', (raw) => {
      const now = Date.now();
      const text = String(raw);
      if (!text) return;
      let frame;
      try {
        frame = JSON.parse(text);
      } catch {
        return;
      }
      for (const a of frame.activities ?? []) {
        this.frames.push([now, a]);
        if (a.type === 'message' && typeof a.text === 'string' && !this.texts.has(a.text)) this.texts.set(a.text, now);
      }
    });
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_q, res) => reject(new Error(`stream: ${res.statusCode}`)));
    });
  }
  dl(method, path, body) {
    const headers = { Authorization: `Bearer ${this.token}`, Origin: this.origin };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return patient(`${this.channel}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      local: this.local,
    });
  }
  async say(text) {
    const start = Date.now();
    const r = await this.dl('POST', `/conversations/${encodeURIComponent(this.id)}/activities`, {
      type: 'message',
      from: { id: this.user },
      text,
    });
    if (r.status !== 200) throw new Error(`activities: ${r.status} ${r.text}`);
    return start;
  }
  joined() {
    return this.frames.some(([, a]) => a.type === 'event' && a.name === 'parley.handoff' && a.value?.state === 'accepted');
  }
  // A place in the queue told after "joined" (a stale update overtaking the take): a widget bug.
  stale_place() {
    const at = this.frames.findIndex(([, a]) => a.name === 'parley.handoff' && a.value?.state === 'accepted');
    return at >= 0 && this.frames.slice(at + 1).some(([, a]) => a.name === 'parley.handoff' && a.value?.state === 'waiting');
  }
  handoff_state() {
    let last = null;
    for (const [, a] of this.frames) {
      if (a.type === 'event' && a.name === 'parley.handoff') last = a.value?.state ?? a.value?.status ?? last;
    }
    return last;
  }
}

// ---- what is measured ----
const result = { take: [], to_queue: [], take_to_desks: [], send: [], to_desk: [] };
const asked = new Map(); // conversation -> time the customer asked for a human
const took = new Map(); // conversation -> [time the take was sent, the taker]
const pending_to_desk = new Map(); // text -> time sent
const failures = [];
let stale = 0;

function on_desk_event(d, now, e) {
  const data = e.data ?? {};
  if (e.type === 'queue.changed' && data.status === 'waiting' && asked.has(data.conversation)) {
    if (!d.seen_waiting) d.seen_waiting = new Set();
    if (!d.seen_waiting.has(data.conversation)) {
      d.seen_waiting.add(data.conversation);
      result.to_queue.push(now - asked.get(data.conversation));
    }
  } else if (e.type === 'queue.changed' && data.status === 'assigned' && took.has(data.conversation)) {
    const [at, taker] = took.get(data.conversation);
    if (taker !== d) result.take_to_desks.push(now - at);
  } else if (e.type === 'conversation.activity' && typeof data.activity?.text === 'string') {
    const sent = pending_to_desk.get(data.activity.text);
    if (sent !== undefined) {
      pending_to_desk.delete(data.activity.text);
      result.to_desk.push(now - sent);
    }
  }
}

const demo = await start_demo({
  args: ['--port-base', '0', '--desk-bench-consultants', String(n_desks)],
  log: 'parley-demo-bench-desk-load.log',
});
if (demo.skip) {
  console.error(`bench/desk/load: ${demo.skip}`);
  process.exit(1);
}
const desks = [];
const customers = [];
let ok = false;
try {
  log(`parley demo up; ${n_desks} consultants, ${n_conv} conversations, ${n_msgs} messages each way`);
  const accounts = demo.ready.desk_accounts.filter((a) => /^bench\d+$/.test(a.username));
  if (accounts.length !== n_desks) throw new Error(`${accounts.length} bench accounts in the ready file`);
  const desk_base = demo.ready.desk.replace(/\/desk\/?$/, '').replace(/\/$/, '');

  // 1. The desks sign in and become available.
  accounts.forEach((a, i) => desks.push(new desk(desk_base, a, address(2, i), i)));
  await pool(desks, 5, (d) => d.open());
  log(`${desks.length} desks signed in through the IdP, available (capacity ${capacity}), events open`);

  // 2. The customers open conversations and ask for a human.
  for (let i = 0; i < n_conv; i++) customers.push(new customer(demo, address(1, i), i));
  await pool(customers, 20, async (c) => {
    await c.open();
    const at = Date.now();
    asked.set(c.id, at);
    await c.say('I want to talk to a human');
  });
  log(`${customers.length} customers asked for a human`);
  await waitFor(() => desks.every((d) => d.seen_waiting?.size === n_conv), 120_000, 'every handoff on every desk');
  log(`${n_conv} handoffs waiting, seen on every desk`);

  // 3. Takes: desk k takes every n_desks-th conversation; all desks at once, each one after
  // another. The version is the queue's (GET /desk/api/handoffs shows the first 200 waiting); one
  // not listed yet is at version 1 (queued, unchanged since): a 409 re-reads the queue once.
  const versions = new Map();
  const read_queue = async (d) => {
    const r = await d.api('GET', '/desk/api/handoffs');
    if (r.status !== 200) throw new Error(`handoffs: ${r.status}`);
    for (const h of r.json.handoffs) versions.set(h.conversation, h.version);
  };
  await read_queue(desks[0]);
  await Promise.all(
    desks.map(async (d, k) => {
      for (let i = k; i < customers.length; i += n_desks) {
        const c = customers[i];
        let r;
        for (let attempt = 0; attempt < 2; attempt++) {
          const at = Date.now();
          took.set(c.id, [at, d]);
          r = await d.api('POST', `/desk/api/handoffs/${encodeURIComponent(c.id)}/take`, {
            version: versions.get(c.id) ?? 1,
          });
          if (r.status === 200) {
            result.take.push(Date.now() - at);
            break;
          }
          if (r.status !== 409) break;
          await read_queue(d);
        }
        if (r.status !== 200) throw new Error(`take by ${d.account.username}: ${r.status} ${r.text}`);
        d.mine.push(c);
      }
    }),
  );
  await waitFor(() => customers.every((c) => c.joined()), 60_000, 'every widget told who joined');
  log(`${n_conv} conversations taken (${capacity} per desk); every widget told`);

  // 4. Consultants write; the customers' streams receive.
  await Promise.all(
    desks.map(async (d) => {
      for (let m = 0; m < n_msgs; m++) {
        for (const c of d.mine) {
          const text = `Message ${m} from ${d.account.username} to ${c.index}.`;
          const at = Date.now();
          const r = await d.api('POST', `/desk/api/handoffs/${encodeURIComponent(c.id)}/messages`, { text });
          if (r.status !== 200) throw new Error(`send by ${d.account.username}: ${r.status} ${r.text}`);
          c.expect = [...(c.expect ?? []), [text, at]];
          await sleep(200); // the desk's per-consultant send rate (5/s): a person writes slower
        }
      }
    }),
  );
  const all_sent = () => customers.every((c) => (c.expect ?? []).every(([t]) => c.texts.has(t)));
  await waitFor(all_sent, 60_000, "every consultant's message on its customer's stream");
  for (const c of customers) for (const [t, at] of c.expect ?? []) result.send.push(c.texts.get(t) - at);
  log(`${result.send.length} consultant messages delivered to the customers' streams`);

  // 5. Customers write; the owners' desks receive.
  await pool(
    customers.flatMap((c) => Array.from({ length: n_msgs }, (_, m) => [c, m])),
    50,
    async ([c, m]) => {
      const text = `Reply ${m} from customer ${c.index}.`;
      pending_to_desk.set(text, Date.now());
      const at = await c.say(text);
      if (pending_to_desk.has(text)) pending_to_desk.set(text, at);
    },
  );
  await waitFor(() => pending_to_desk.size === 0, 60_000, "every customer's message on its consultant's desk");
  log(`${result.to_desk.length} customer messages delivered to the desks`);
  stale = customers.filter((c) => c.stale_place()).length;
  if (stale > 0) throw new Error(`${stale} widgets were told a place in the queue after "joined"`);
  ok = true;
} catch (e) {
  failures.push(e);
  console.error(`bench/desk/load: ${e.stack ?? e}`);
  const odd = customers.find((c) => !c.joined()) ?? customers[0];
  if (process.env.DEBUG && odd) {
    console.error(odd.id, odd.ws?.readyState, JSON.stringify(odd.frames.map(([, a]) => [a.type, a.name, a.value, a.text])));
  }
} finally {
  for (const d of desks) d.ws?.terminate();
  for (const c of customers) c.ws?.terminate();
  await demo.stop();
}

const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const row = (name, what, xs) => {
  const s = stats(xs);
  return `| ${name} | ${what} | ${s.n} | ${s.p50} | ${s.p99} | ${s.max} |`;
};
const section = `## At scale (bench/desk/load.mjs)

The same platform driven at the protocol level (no browser): ${n_desks} consultants' desks signed
in through the test IdP (the desk's OIDC code flow, cookies only) on the desk's HTTP API and events
WebSocket, and ${n_conv} customers as Direct Line clients (token at the bot, conversation, WebSocket
stream), each from its own loopback address, all asking the assistant for a human at once; desk k
takes every ${n_desks}th handoff (${capacity} each, all ${n_conv} handed over at the same time), then
${n_msgs} messages each way per conversation. Wall-clock ms, measured ${new Date().toISOString().slice(0, 16)}Z
on this machine (2 cores, shared with other builds; load average ${load} at the end); ${((Date.now() - started) / 1000).toFixed(0)} s in all.

| measure | from → to | n | p50 | p99 | max |
|---|---|---|---|---|---|
${row('take', 'POST .../take sent → answered (compare-and-set, audit entry, channel accept)', result.take)}
${row('handoff → desks', 'the customer\'s "talk to a human" sent → queue.changed on every desk (the assistant\'s turn included)', result.to_queue)}
${row('take → desks', 'a take sent → queue.changed (assigned) on every other desk', result.take_to_desks)}
${row('consultant → customer', 'POST .../messages sent → the text on the customer\'s stream', result.send)}
${row('customer → desk', 'POST .../activities sent → the text on the consultant\'s desk (events WebSocket)', result.to_desk)}

Run: \`PARLEY_BIN=build/ci/src/app/parley nice -n 10 node bench/desk/load.mjs\` (\`--quick\`: 5 consultants,
50 conversations, under a minute; CONSULTANTS=, CONVERSATIONS=, MESSAGES= to change the load).
`;
console.log(section);
if (!ok) {
  console.error('bench/desk/load: FAILED (figures above are partial)');
  process.exit(1);
}
if (!quick || process.env.WRITE === '1') {
  const file = join(repo_root, 'bench', 'results', 'desk.md');
  const before = readFileSync(file, 'utf8');
  const at = before.indexOf('## At scale');
  writeFileSync(file, `${(at < 0 ? `${before.trimEnd()}\n` : before.slice(0, at)).trimEnd()}\n\n${section}`);
  log(`wrote ${file}`);
}
