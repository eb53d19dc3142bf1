// The two calls of the widget to the bot web service: GetNewToken (`POST {bot}/api/token`) and
// RefreshToken (`POST {bot}/api/token/refresh`). No cookies, no stored credentials: the first call
// is authorised by the page's Origin alone, the second by the current token.
//
// Contract: both resolve with a validated `token_grant` or reject with an `http_error` (403: origin
// not allowed / token expired; 429 with `retry_after_s`; 5xx...). Stateless apart from its options;
// safe to share.

import { http_error, join_url, request_json } from './http';
import { parse_token_grant, type token_grant } from './protocol';
import type { clock_and_timers, fetch_fn } from './runtime';

export interface token_endpoint {
  handshake(): Promise<token_grant>;
  refresh(token: string): Promise<token_grant>;
}

/** Supplies the host page's own signed assertion about its logged-in user, or null for a guest. */
export type assertion_provider = () => Promise<string | null> | string | null;

const max_assertion_chars = 16384;

export class bot_api implements token_endpoint {
  constructor(
    private readonly fetch_: fetch_fn,
    private readonly timers_: clock_and_timers,
    private readonly bot_url_: string,
    private readonly assertion_: assertion_provider,
  ) {}

  async handshake(): Promise<token_grant> {
    const assertion = await this.assertion_();
    if (assertion !== null && (typeof assertion !== 'string' || assertion.length > max_assertion_chars)) {
      throw new http_error('bad_response', 0); // a broken host-page provider; never sent
    }
    const body = assertion ? { userAssertion: assertion } : {};
    return parse_token_grant(await request_json(this.fetch_, this.timers_, join_url(this.bot_url_, 'api/token'), { method: 'POST', body }));
  }

  async refresh(token: string): Promise<token_grant> {
    return parse_token_grant(
      await request_json(this.fetch_, this.timers_, join_url(this.bot_url_, 'api/token/refresh'), { method: 'POST', token, body: {} }),
    );
  }
}
