// JSON over fetch with a timeout, a size limit and typed failures. Every call of the widget to the
// bot web service and to the Direct Line channel goes through `request_json`.
//
// Contract: resolves with the parsed body of a 2xx answer (null for an empty body); otherwise
// rejects with an `http_error` whose `kind` says what happened. Never logs or puts the token or a
// body into an error message. Cookies are never sent (`credentials: 'omit'`), redirects are
// refused and nothing is cached. With a DPoP signer, every attempt carries a fresh proof, and a
// refusal that asks for a nonce (or refuses the proof) is retried once with a new one.

import { should_retry_with_new_proof, type proof_signer } from './dpop';
import type { clock_and_timers, fetch_fn } from './runtime';

export type http_error_kind = 'network' | 'timeout' | 'status' | 'bad_response';

export class http_error extends Error {
  constructor(
    readonly kind: http_error_kind,
    /** HTTP status, 0 when no answer arrived. */
    readonly status: number,
    /** Seconds from a `Retry-After` header (429/503), null when absent or unreadable. */
    readonly retry_after_s: number | null = null,
  ) {
    super(kind === 'status' ? `HTTP ${status}` : kind);
    this.name = 'http_error';
  }

  /** A DPoP refusal (use_dpop_nonce, invalid_dpop_proof) that a new proof may fix. */
  retry_with_new_proof = false;

  /** Worth trying again later: no answer, a timeout, 408, 429 or a 5xx. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'timeout' || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface request_options {
  method: 'GET' | 'POST';
  /** Sent as `Authorization: Bearer ...` when set (`DPoP ...` with `dpop`). */
  token?: string;
  /** Signs a DPoP proof for the request (RFC 9449); the token, if any, is then a DPoP token. */
  dpop?: proof_signer | null;
  /** Serialised as JSON; a POST without body sends `{}`. */
  body?: unknown;
  timeout_ms?: number;
}

/** Largest response body accepted, in characters. */
export const max_response_chars = 1 << 20;
const default_timeout_ms = 20000;

export async function request_json(
  fetch: fetch_fn,
  timers: clock_and_timers,
  url: string,
  options: request_options,
): Promise<unknown> {
  const dpop = options.dpop ?? null;
  if (dpop === null) return request_once(fetch, timers, url, options, null);
  try {
    return await request_once(fetch, timers, url, options, dpop);
  } catch (e) {
    // A nonce the server wants, or a proof it refused (an iat by a wrong clock): the refusal
    // carried the nonce and the server's clock, so one more proof can succeed.
    if (!(e instanceof http_error) || !e.retry_with_new_proof) throw e;
    return request_once(fetch, timers, url, options, dpop);
  }
}

async function request_once(
  fetch: fetch_fn,
  timers: clock_and_timers,
  url: string,
  options: request_options,
  dpop: proof_signer | null,
): Promise<unknown> {
  const proof = dpop !== null ? await dpop.proof(options.method, url, options.token ?? null) : null;
  const controller = new AbortController();
  let timed_out = false;
  const timer = timers.set_timeout(() => {
    timed_out = true;
    controller.abort();
  }, options.timeout_ms ?? default_timeout_ms);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.token !== undefined) headers['Authorization'] = `${proof !== null ? 'DPoP' : 'Bearer'} ${options.token}`;
  if (proof !== null) headers['DPoP'] = proof;
  let body: string | undefined;
  if (options.method === 'POST') {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body ?? {});
  }
  try {
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method,
        headers,
        body,
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
        mode: 'cors',
        signal: controller.signal,
      });
    } catch {
      throw new http_error(timed_out ? 'timeout' : 'network', 0);
    }
    dpop?.note_response(url, response.headers);
    if (!response.ok) {
      const error = new http_error('status', response.status, parse_retry_after(response.headers.get('Retry-After')));
      error.retry_with_new_proof = dpop !== null && should_retry_with_new_proof(response.status, response.headers);
      throw error;
    }
    const length = Number(response.headers.get('Content-Length') ?? '0');
    if (length > max_response_chars) throw new http_error('bad_response', response.status);
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new http_error(timed_out ? 'timeout' : 'network', 0);
    }
    if (text.length > max_response_chars) throw new http_error('bad_response', response.status);
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new http_error('bad_response', response.status);
    }
  } finally {
    timers.clear_timeout(timer);
  }
}

/** Seconds in a Retry-After header: delta-seconds only (HTTP dates are ignored), capped at 10 min. */
export function parse_retry_after(value: string | null): number | null {
  if (value === null || !/^\s*\d{1,6}\s*$/.test(value)) return null;
  return Math.min(600, Number(value));
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function join_url(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}
