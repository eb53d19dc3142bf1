// The widget's token calls: GetNewToken (`POST {bot}/api/token`, with a DPoP proof of the widget's
// key when it has one: the channel then binds the token to that key) and the refresh: a bound
// token at the channel (`POST {channelUrl}/tokens/refresh` with a proof: only the key's holder can
// refresh it), a bearer token at the bot (`POST {bot}/api/token/refresh`). No cookies, no stored
// credentials: the first call is authorised by the page's Origin (and the proof), the refresh by
// the current token.
//
// Contract: both resolve with a validated `token_grant` or reject with an `http_error` (403: origin
// not allowed / token expired; 429 with `retry_after_s`; 5xx...). Stateless apart from its options
// and the key; safe to share.

import type { proof_signer } from './dpop';
import { http_error, join_url, request_json } from './http';
import { parse_refreshed_grant, parse_token_grant, type token_grant } from './protocol';
import type { clock_and_timers, fetch_fn } from './runtime';

export interface token_endpoint {
  handshake(): Promise<token_grant>;
  refresh(grant: token_grant): Promise<token_grant>;
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
    private readonly dpop_: () => proof_signer | null = () => null,
  ) {}

  async handshake(): Promise<token_grant> {
    const assertion = await this.assertion_();
    if (assertion !== null && (typeof assertion !== 'string' || assertion.length > max_assertion_chars)) {
      throw new http_error('bad_response', 0); // a broken host-page provider; never sent
    }
    const body = assertion ? { userAssertion: assertion } : {};
    const url = join_url(this.bot_url_, 'api/token');
    return parse_token_grant(await request_json(this.fetch_, this.timers_, url, { method: 'POST', body, dpop: this.dpop_() }));
  }

  async refresh(grant: token_grant): Promise<token_grant> {
    if (grant.bound) {
      const url = join_url(grant.channel_url, 'tokens/refresh');
      const body = await request_json(this.fetch_, this.timers_, url, { method: 'POST', token: grant.token, dpop: this.dpop_() });
      return parse_refreshed_grant(body, grant);
    }
    return parse_token_grant(
      await request_json(this.fetch_, this.timers_, join_url(this.bot_url_, 'api/token/refresh'), {
        method: 'POST',
        token: grant.token,
        body: {},
      }),
    );
  }
}
