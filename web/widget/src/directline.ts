// REST calls of Direct Line 3.0 used by the widget, against `{channelUrl}` (which already ends in
// `/v3/directline`). Every call carries the token current at the time of the call: `Authorization:
// Bearer <token>`, or for a token bound to the widget's key `Authorization: DPoP <token>` with a
// fresh `DPoP` proof (`dpop()` says which, per call: the grant may change).
//
// Contract: each method resolves with a parsed, validated value or rejects with an `http_error`
// (403 = token expired or not valid for the conversation, 404 = unknown/ended conversation). Holds no
// state besides its constructor arguments; the token getter is called per request.

import type { proof_signer } from './dpop';
import { join_url, request_json } from './http';
import {
  parse_activity_set,
  parse_conversation,
  parse_resource_id,
  type activity_set,
  type conversation_info,
  type outgoing_activity,
} from './protocol';
import type { clock_and_timers, fetch_fn } from './runtime';

export interface directline_api {
  start_conversation(locale: string, user_id: string): Promise<conversation_info>;
  reconnect(conversation_id: string, watermark: string | null): Promise<conversation_info>;
  post_activity(conversation_id: string, activity: outgoing_activity): Promise<string | null>;
  get_activities(conversation_id: string, watermark: string | null): Promise<activity_set>;
}

/** Time allowed for a send: Web Chat's sendTimeout; the channel answers after the bot (≤ 15 s). */
export const post_timeout_ms = 20000;

export class directline_client implements directline_api {
  constructor(
    private readonly fetch_: fetch_fn,
    private readonly timers_: clock_and_timers,
    private readonly channel_url_: string,
    private readonly token_: () => string,
    private readonly dpop_: () => proof_signer | null = () => null,
  ) {}

  async start_conversation(locale: string, user_id: string): Promise<conversation_info> {
    const body = await request_json(this.fetch_, this.timers_, this.url('conversations'), {
      method: 'POST',
      token: this.token_(),
      dpop: this.dpop_(),
      body: { user: { id: user_id }, locale },
    });
    return parse_conversation(body, '');
  }

  async reconnect(conversation_id: string, watermark: string | null): Promise<conversation_info> {
    const path = `conversations/${encodeURIComponent(conversation_id)}?watermark=${encodeURIComponent(watermark ?? '')}`;
    const body = await request_json(this.fetch_, this.timers_, this.url(path), { method: 'GET', token: this.token_(), dpop: this.dpop_() });
    return parse_conversation(body, conversation_id);
  }

  async post_activity(conversation_id: string, activity: outgoing_activity): Promise<string | null> {
    const path = `conversations/${encodeURIComponent(conversation_id)}/activities`;
    const body = await request_json(this.fetch_, this.timers_, this.url(path), {
      method: 'POST',
      token: this.token_(),
      dpop: this.dpop_(),
      body: activity,
      timeout_ms: post_timeout_ms,
    });
    return parse_resource_id(body);
  }

  async get_activities(conversation_id: string, watermark: string | null): Promise<activity_set> {
    const path = `conversations/${encodeURIComponent(conversation_id)}/activities?watermark=${encodeURIComponent(watermark ?? '')}`;
    return parse_activity_set(await request_json(this.fetch_, this.timers_, this.url(path), { method: 'GET', token: this.token_(), dpop: this.dpop_() }));
  }

  private url(path: string): string {
    return join_url(this.channel_url_, path);
  }
}
