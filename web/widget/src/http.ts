// JSON over fetch with a timeout, a size limit and typed failures. Every call of the widget to the
// bot web service and to the Direct Line channel goes through `request_json`.
//
// Contract: resolves with the parsed body of a 2xx answer (null for an empty body); otherwise
// rejects with an `http_error` whose `kind` says what happened. Never logs or puts the token or a
// body into an error message. Cookies are never sent (`credentials: 'omit'`), redirects are
// refused and nothing is cached.

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

  /** Worth trying again later: no answer, a timeout, 408, 429 or a 5xx. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'timeout' || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface request_options {
  method: 'GET' | 'POST';
  /** Sent as `Authorization: Bearer ...` when set. */
  token?: string;
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
  const controller = new AbortController();
  let timed_out = false;
  const timer = timers.set_timeout(() => {
    timed_out = true;
    controller.abort();
  }, options.timeout_ms ?? default_timeout_ms);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.token !== undefined) headers['Authorization'] = `Bearer ${options.token}`;
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
    if (!response.ok) {
      throw new http_error('status', response.status, parse_retry_after(response.headers.get('Retry-After')));
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
