// Latency of the bot web service as a client sees it, against a running `parley demo`:
//  - GetNewToken: POST {bot}/api/token (origin check, rate limits, user id, channel tokens/generate);
//  - a message turn: POST {channel}/conversations/{id}/activities, which the channel answers only
//    after the bot has validated its JWT, run the assistant's turn (state read + etag write) and
//    posted its reply through the Connector API (so the reply is stored when the POST returns).
// Usage: node latency.mjs READY_FILE [N]   (sequential requests; prints p50/p95/p99 in ms)
import { readFileSync } from 'node:fs';

const [ready_file, n_arg] = process.argv.slice(2);
const n = Number(n_arg ?? 200);
const ready = JSON.parse(readFileSync(ready_file, 'utf8'));
const bot = ready.bot;
const origin = new URL(ready.site).origin;

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2);
  return `n=${s.length} p50=${q(0.5)} p95=${q(0.95)} p99=${q(0.99)} max=${s[s.length - 1].toFixed(2)}`;
}

async function token() {
  const r = await fetch(`${bot}/api/token`, { method: 'POST', headers: { Origin: origin, 'Content-Type': 'application/json' }, body: '{}' });
  if (r.status !== 200) throw new Error(`handshake ${r.status}`);
  return r.json();
}

// The per-address limit (burst 10, 0.5/s) would refuse a sequential flood from one address, so
// handshakes are timed in bursts that fit, with pauses that refill the bucket.
const handshakes = [];
for (let i = 0; i < Math.min(n, 24); i++) {
  if (i > 0 && i % 8 === 0) await new Promise((r) => setTimeout(r, 17_000));
  const t0 = performance.now();
  await token();
  handshakes.push(performance.now() - t0);
}
console.log(`GetNewToken (bot + channel tokens/generate): ${stats(handshakes)}`);

const grant = await token();
const dl = grant.channelUrl;
const auth = { Authorization: `Bearer ${grant.token}`, 'Content-Type': 'application/json' };
const started = await fetch(`${dl}/conversations`, { method: 'POST', headers: auth, body: '{}' });
const conv = (await started.json()).conversationId;
const turns = [];
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const r = await fetch(`${dl}/conversations/${conv}/activities`, {
    method: 'POST', headers: auth, body: JSON.stringify({ type: 'message', from: { id: grant.userId }, text: 'what are your opening hours?' }),
  });
  await r.text();
  if (r.status !== 200) throw new Error(`message ${r.status}`);
  turns.push(performance.now() - t0);
}
console.log(`message turn (channel -> bot JWT check -> assistant turn -> Connector reply -> 200): ${stats(turns)}`);
