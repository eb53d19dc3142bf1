// Sender-constrained tokens (RFC 9449, DPoP): the widget's key and the proofs it signs with it.
//
// Contract:
// - `dpop_key.create(subtle, ...)` generates an ECDSA P-256 key pair with WebCrypto, the private
//   key non-extractable (`extractable: false`): script on the page can ask it to sign while the
//   page lives, but nothing can read it out, and it is kept in memory only (no IndexedDB). It
//   resolves with null where WebCrypto is missing (a page that is not a secure context): the
//   widget then asks for bearer tokens, which a tenant may refuse.
// - `proof(method, url, token)` signs a fresh proof (new `jti`) for one request: `htm`, `htu` (the
//   URL without query or fragment), `iat` (by the server's clock when a response told it), `ath`
//   (SHA-256 of the token presented with it, when there is one) and the newest `nonce` the server
//   of that URL sent (DPoP-Nonce header).
// - `note_response(url, headers)` keeps a server's nonce and clock; `should_retry(status, headers)`
//   says when a refused request is worth one more try with a new proof (a nonce was asked for,
//   or the proof was refused, e.g. for its iat).
// - No proof, key or token is ever logged or stored. Single-threaded (browser event loop).

import type { clock_and_timers } from './runtime';

const encoder = new TextEncoder();

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64url_text(text: string): string {
  return base64url(encoder.encode(text));
}

/** The URL as a proof's `htu` names it: without query and fragment. */
export function htu_of(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** The origin whose nonce a request needs (ws(s) URLs share their http(s) origin's nonce). */
function origin_of(url: string): string {
  const u = new URL(url);
  const scheme = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  return `${scheme}//${u.host}`;
}

export interface header_reader {
  get(name: string): string | null;
}

export interface proof_signer {
  proof(method: 'GET' | 'POST', url: string, token: string | null): Promise<string>;
  note_response(url: string, headers: header_reader): void;
}

/** A refused request that one more try with a fresh proof may fix. */
export function should_retry_with_new_proof(status: number, headers: header_reader): boolean {
  if (status !== 401 && status !== 400) return false;
  const challenge = headers.get('WWW-Authenticate') ?? '';
  return /error="(use_dpop_nonce|invalid_dpop_proof)"/.test(challenge);
}

export class dpop_key implements proof_signer {
  private readonly nonces_ = new Map<string, string>();
  private clock_offset_ms_ = 0;

  private constructor(
    private readonly subtle_: SubtleCrypto,
    private readonly private_key_: CryptoKey,
    private readonly header_b64_: string,
    private readonly timers_: clock_and_timers,
    private readonly random_bytes_: (n: number) => Uint8Array,
  ) {}

  static async create(
    subtle: SubtleCrypto | undefined,
    timers: clock_and_timers,
    random_bytes: (n: number) => Uint8Array,
  ): Promise<dpop_key | null> {
    if (!subtle) return null;
    try {
      const pair = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
      const jwk = await subtle.exportKey('jwk', pair.publicKey);
      if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') return null;
      // The RFC 7638 members only: the server compares and hashes nothing else.
      const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } };
      return new dpop_key(subtle, pair.privateKey, base64url_text(JSON.stringify(header)), timers, random_bytes);
    } catch {
      return null;
    }
  }

  async proof(method: 'GET' | 'POST', url: string, token: string | null): Promise<string> {
    const claims: Record<string, string | number> = {
      jti: base64url(this.random_bytes_(16)),
      htm: method,
      htu: htu_of(url),
      iat: Math.floor((this.timers_.now() + this.clock_offset_ms_) / 1000),
    };
    if (token !== null) claims['ath'] = base64url(new Uint8Array(await this.subtle_.digest('SHA-256', encoder.encode(token))));
    const nonce = this.nonces_.get(origin_of(url));
    if (nonce !== undefined) claims['nonce'] = nonce;
    const input = `${this.header_b64_}.${base64url_text(JSON.stringify(claims))}`;
    const signature = await this.subtle_.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.private_key_, encoder.encode(input));
    return `${input}.${base64url(new Uint8Array(signature))}`;
  }

  note_response(url: string, headers: header_reader): void {
    const nonce = headers.get('DPoP-Nonce');
    if (nonce !== null && /^[A-Za-z0-9_-]{1,256}$/.test(nonce)) this.nonces_.set(origin_of(url), nonce);
    const date = headers.get('Date');
    const server_ms = date !== null ? Date.parse(date) : NaN;
    // Whole seconds (the header's resolution): the proof's iat follows the server's clock.
    if (Number.isFinite(server_ms)) this.clock_offset_ms_ = server_ms - this.timers_.now();
  }
}
