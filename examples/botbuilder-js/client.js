// The test's user: botframework-directlinejs 0.15.5 (what Web Chat uses) against the channel,
// talking to bot.js; then a forged channel token sent straight to the bot.
//   node client.js CHANNEL_URL BOT_URL       (the Direct Line secret comes from $CHANNEL_SECRET)
// Prints "ok: ..." per check and exits 0, or prints the failure and exits 1.
'use strict';
global.XMLHttpRequest = require('xhr2');
global.WebSocket = require('ws');
const assert = require('assert');
const crypto = require('crypto');
const { DirectLine } = require('botframework-directlinejs');

const [channelUrl, botUrl] = process.argv.slice(2);
const domain = `${channelUrl}/v3/directline`;

async function token() {
  const r = await fetch(`${domain}/tokens/generate`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.CHANNEL_SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: { id: `dl_example${Date.now()}` } }),
  });
  const body = await r.text();
  assert.strictEqual(r.status, 200, body);
  return JSON.parse(body).token;
}

function waitFor(seen, pred, what, ms = 20000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const hit = seen.find(pred);
      if (hit) return resolve(hit);
      if (Date.now() - started > ms) {
        return reject(new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen.map((a) => [a.type, a.text]))}`));
      }
      setTimeout(poll, 50);
    };
    poll();
  });
}

function send(dl, text, from) {
  return new Promise((resolve, reject) => {
    dl.postActivity({ type: 'message', text, from }).subscribe(resolve, reject);
  });
}

const b64url = (b) => Buffer.from(b).toString('base64url');

// A to-bot token with the right claims, signed by a key the channel never published.
async function forged(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const meta = await (await fetch(`${channelUrl}/v1/.well-known/openidconfiguration`)).json();
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify({
    iss: meta.issuer, aud: process.env.MicrosoftAppId, serviceurl: `${channelUrl}/`, nbf: now - 10, exp: now + 600,
  }));
  const sig = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${b64url(sig)}`;
}

async function main() {
  const dl = new DirectLine({ token: await token(), domain, webSocket: true });
  const seen = [];
  dl.activity$.subscribe((a) => seen.push(a), () => {});  // dl.end() ends the stream with an error
  const from = { id: 'ignored-by-the-channel', name: 'Customer' };

  await waitFor(seen, (a) => a.type === 'message' && /^Welcome to the bank assistant/.test(a.text || ''), 'the welcome');
  console.log('ok: welcome');

  await send(dl, 'hello', from);
  await waitFor(seen, (a) => a.text === 'You said: hello', 'the reply');
  console.log('ok: reply');

  await send(dl, 'card', from);
  const card = await waitFor(seen, (a) => (a.attachments || []).length > 0, 'the card');
  assert.strictEqual(card.attachments[0].contentType, 'application/vnd.microsoft.card.hero');
  assert.strictEqual(card.attachments[0].content.title, 'Your accounts');
  console.log('ok: card');

  const n = await fetch(`${botUrl}/api/notify`, { method: 'POST' });
  assert.strictEqual(n.status, 200);
  await waitFor(seen, (a) => /^A proactive message/.test(a.text || ''), 'the proactive message');
  console.log('ok: proactive message');
  dl.end();

  // The bot checks the channel's signature: a token signed by another key is refused, whether
  // its kid is unknown or the channel's own.
  const jwks = await (await fetch(`${channelUrl}/v1/.well-known/keys`)).json();
  for (const kid of ['forged-kid', jwks.keys[0].kid]) {
    const activity = {
      type: 'message', id: 'forged-1', text: 'forged', channelId: 'directline', serviceUrl: `${channelUrl}/`,
      conversation: { id: 'forged-conversation' }, from: { id: 'dl_attacker' }, recipient: { id: 'bot' },
    };
    const r = await fetch(`${botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await forged(kid)}` },
      body: JSON.stringify(activity),
    });
    assert.ok(r.status === 401 || r.status === 500, `forged token (kid ${kid}) got ${r.status}`);
    console.log(`ok: forged token refused by the bot (kid ${kid === 'forged-kid' ? 'unknown' : 'the channel\'s'}: ${r.status})`);
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(`FAILED: ${e && e.stack}`);
  process.exit(1);
});
