import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { test } from 'node:test';
import { bot_api } from '../src/bot_api';
import { base64url, dpop_key, htu_of } from '../src/dpop';
import { directline_client } from '../src/directline';
import { request_json } from '../src/http';
import { fake_fetch, fake_timers } from './fakes';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;
const random = (n: number) => webcrypto.getRandomValues(new Uint8Array(n));
const channel = 'https://chat.bank.example/v3/directline';

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Verifies a proof the way the channel does (signature with the header's key) and returns its parts. */
async function open_proof(proof: string) {
  const [h, p, sig] = proof.split('.');
  const header = decode(h!);
  const jwk = header['jwk'] as JsonWebKey;
  const key = await subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const ok = await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, Buffer.from(sig!, 'base64url'), new TextEncoder().encode(`${h}.${p}`));
  return { ok, header, claims: decode(p!) };
}

test('the key is made non-extractable and the proofs verify with the public key in their header', async () => {
  const timers = new fake_timers();
  const calls: Array<{ extractable: boolean; usages: string[] }> = [];
  const spy = {
    generateKey: (alg: EcKeyGenParams, extractable: boolean, usages: KeyUsage[]) => {
      calls.push({ extractable, usages });
      return subtle.generateKey(alg, extractable, usages);
    },
    exportKey: subtle.exportKey.bind(subtle),
    sign: subtle.sign.bind(subtle),
    digest: subtle.digest.bind(subtle),
  } as unknown as SubtleCrypto;
  const key = await dpop_key.create(spy, timers, random);
  assert.ok(key);
  assert.deepEqual(calls, [{ extractable: false, usages: ['sign', 'verify'] }]);
  const token = 'eyJhbGciOiJFUzI1NiJ9.eyJjb252IjoiYyJ9.c2ln';
  const proof = await key.proof('POST', `${channel}/conversations/c1/activities?x=1#y`, token);
  const { ok, header, claims } = await open_proof(proof);
  assert.ok(ok, 'signature verifies');
  assert.equal(header['typ'], 'dpop+jwt');
  assert.equal(header['alg'], 'ES256');
  assert.deepEqual(Object.keys(header['jwk'] as object).sort(), ['crv', 'kty', 'x', 'y'], 'public members only');
  assert.equal(claims['htm'], 'POST');
  assert.equal(claims['htu'], `${channel}/conversations/c1/activities`);
  assert.equal(claims['iat'], Math.floor(timers.now() / 1000));
  const ath = base64url(new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(token))));
  assert.equal(claims['ath'], ath);
  assert.equal(claims['nonce'], undefined);
  const second = await open_proof(await key.proof('POST', `${channel}/tokens/refresh`, token));
  assert.notEqual(second.claims['jti'], claims['jti'], 'a fresh jti every time');
});

test('no WebCrypto: no key (the widget asks for bearer tokens)', async () => {
  assert.equal(await dpop_key.create(undefined, new fake_timers(), random), null);
});

test('htu drops query and fragment', () => {
  assert.equal(htu_of('wss://chat.example/v3/directline/conversations/c/stream?watermark=-&t=x'), 'wss://chat.example/v3/directline/conversations/c/stream');
});

test('a use_dpop_nonce refusal is retried once with the nonce; later proofs carry the newest nonce and the server clock', async () => {
  const timers = new fake_timers();
  const key = (await dpop_key.create(subtle, timers, random))!;
  let calls = 0;
  const server_date = new Date(timers.now() + 120_000); // the server's clock is 2 minutes ahead
  const http = new fake_fetch((): { status: number; body: unknown; headers: Record<string, string> } => {
    calls += 1;
    if (calls === 1) {
      return {
        status: 401,
        body: { error: { code: 'UseDpopNonce', message: 'nonce' } },
        headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"', 'DPoP-Nonce': 'nonce-1', Date: server_date.toUTCString() },
      };
    }
    return { status: 200, body: { activities: [], watermark: '1' }, headers: { 'DPoP-Nonce': 'nonce-2' } };
  });
  const api = new directline_client(http.fetch, timers, channel, () => 'tok.en.x', () => key);
  await api.get_activities('c1', null);
  assert.equal(http.requests.length, 2, 'retried once');
  for (const r of http.requests) assert.match(r.headers['Authorization']!, /^DPoP tok\.en\.x$/);
  const first = await open_proof(http.requests[0]!.headers['DPoP']!);
  const retry = await open_proof(http.requests[1]!.headers['DPoP']!);
  assert.equal(first.claims['nonce'], undefined);
  assert.equal(retry.claims['nonce'], 'nonce-1');
  assert.equal(retry.claims['iat'], Math.floor(server_date.getTime() / 1000), 'iat by the server clock');
  assert.notEqual(retry.claims['jti'], first.claims['jti']);
  await api.get_activities('c1', '1');
  assert.equal((await open_proof(http.requests[2]!.headers['DPoP']!)).claims['nonce'], 'nonce-2');
});

test('other refusals are not retried; a second nonce refusal is not retried either', async () => {
  const timers = new fake_timers();
  const key = (await dpop_key.create(subtle, timers, random))!;
  const http = new fake_fetch(() => ({ status: 401, body: {}, headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': 'n' } }));
  await assert.rejects(request_json(http.fetch, timers, `${channel}/conversations`, { method: 'POST', token: 't', dpop: key }));
  assert.equal(http.requests.length, 2);
  const forbidden = new fake_fetch(() => ({ status: 403, body: {} }));
  await assert.rejects(request_json(forbidden.fetch, timers, `${channel}/conversations`, { method: 'POST', token: 't', dpop: key }));
  assert.equal(forbidden.requests.length, 1);
});

test('GetNewToken carries a proof without ath; a bound grant refreshes at the channel with a proof', async () => {
  const timers = new fake_timers();
  const key = (await dpop_key.create(subtle, timers, random))!;
  const http = new fake_fetch((req) => {
    if (req.url.endsWith('/api/token')) {
      return { status: 200, body: { token: 'a.b.c', conversationId: 'c1', userId: 'dl_1', expiresIn: 300, channelUrl: channel, tokenType: 'DPoP' } };
    }
    return { status: 200, body: { conversationId: 'c1', token: 'd.e.f', expires_in: 300 } };
  });
  const api = new bot_api(http.fetch, timers, 'https://bank.example', () => null, () => key);
  const grant = await api.handshake();
  assert.equal(grant.bound, true);
  const hs = await open_proof(http.requests[0]!.headers['DPoP']!);
  assert.equal(hs.claims['htu'], 'https://bank.example/api/token');
  assert.equal(hs.claims['ath'], undefined);
  assert.equal(http.requests[0]!.headers['Authorization'], undefined);
  const next = await api.refresh(grant);
  assert.equal(http.requests[1]!.url, `${channel}/tokens/refresh`, 'at the channel, not the bot');
  assert.equal(http.requests[1]!.headers['Authorization'], 'DPoP a.b.c');
  assert.equal((await open_proof(http.requests[1]!.headers['DPoP']!)).claims['htu'], `${channel}/tokens/refresh`);
  assert.deepEqual({ ...next }, { ...grant, token: 'd.e.f' });
});
