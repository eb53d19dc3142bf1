// One chat session of the widget: handshake, token refresh, the Direct Line conversation, the
// activity stream, sends with their states, and the transcript. The view only renders what this
// object reports and forwards the user's actions.
//
// Contract:
// - `open()` connects once (handshake, POST /conversations, stream); later calls only retry when the
//   session is 'unavailable'. Failures are reported through `on_status`, never thrown.
// - `send_text` / `send_action` show the message at once as 'pending'; it becomes 'sent' when the
//   POST returns an id or the echo with its clientActivityID arrives, 'failed' on network error,
//   timeout, 4xx or 5xx. `retry` re-sends a failed message with the same clientActivityID.
// - When the token cannot be refreshed or the conversation is gone, a new handshake starts a new
//   conversation and `on_notice('session_renewed')` tells the user that the assistant no longer
//   sees the earlier messages.
// - The token stays inside token_manager; nothing here logs, stores or displays it.
// - Before the first handshake the session makes the page's DPoP key (dpop.ts), when WebCrypto
//   is there: the handshake proves it, the channel binds the token to it, and every later call
//   (REST and the stream's upgrade) carries a fresh proof. Without WebCrypto: bearer tokens.
// - Single-threaded (browser event loop). `stop()` ends all timers, sockets and callbacks.

import { bot_api, type assertion_provider, type token_endpoint } from './bot_api';
import { directline_client, type directline_api } from './directline';
import { dpop_key, type proof_signer } from './dpop';
import { http_error } from './http';
import type { card_action, handoff_event, incoming_activity, outgoing_activity, token_grant } from './protocol';
import { backoff_delay_ms, sleep, type clock_and_timers, type fetch_fn, type socket_factory } from './runtime';
import { activity_stream, default_stream_options, type stream_options, type stream_status } from './stream';
import { default_token_policy, token_manager, type renewal_reason, type token_policy } from './token_manager';
import { transcript, type transcript_entry } from './transcript';

export type session_status = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'unavailable' | 'forbidden';
export type notice_kind = 'session_renewed' | 'action_failed';

export interface session_view {
  on_status(status: session_status): void;
  on_entry_added(entry: transcript_entry): void;
  on_entry_updated(entry: transcript_entry): void;
  /** The bot is typing (its name, possibly null), or stopped (`active` false). */
  on_typing(active: boolean, name: string | null): void;
  /** Buttons to show under the last bot message; empty clears them. */
  on_suggested_actions(actions: card_action[]): void;
  on_notice(kind: notice_kind, reason: renewal_reason | null): void;
  /** A handoff to a consultant moved on (the channel's `parley.handoff` event, ADR 0021). */
  on_handoff(event: handoff_event): void;
}

export interface session_deps {
  timers: clock_and_timers;
  fetch: fetch_fn;
  open_socket: socket_factory;
  bot_url: string;
  locale: string;
  assertion: assertion_provider;
  /** A fresh, unguessable clientActivityID. */
  new_client_id: () => string;
  token_policy?: token_policy;
  stream_options?: stream_options;
  /** Overrides the bot API (tests). */
  token_endpoint?: token_endpoint;
  /** Overrides the Direct Line client (tests). */
  make_directline?: (channel_url: string, token: () => string, dpop: () => proof_signer | null) => directline_api;
  /** WebCrypto for the DPoP key (null or absent: bearer tokens only) and random bytes for proofs. */
  subtle?: SubtleCrypto | null;
  random_bytes?: (n: number) => Uint8Array;
}

/** How long the typing indicator stays without a new typing activity. */
const typing_display_ms = 6000;
/** How long a send waits for the conversation to be ready before it fails. */
const ready_wait_ms = 20000;
const start_attempts = 4;

interface conversation_state {
  api: directline_api;
  id: string;
  stream: activity_stream;
}

export class chat_session {
  private readonly tokens_: token_manager;
  private readonly transcript_ = new transcript('');
  private readonly outgoing_ = new Map<string, outgoing_activity>();
  private conversation_: conversation_state | null = null;
  private status_: session_status = 'idle';
  private connecting_: Promise<void> | null = null;
  private ready_waiters_: Array<() => void> = [];
  private typing_timer_: unknown = null;
  /** Ids of the handoff events shown (a replay after a reconnect must not show them again). */
  private readonly handoff_ids_ = new Set<string>();
  private epoch_ = 0;
  private stopped_ = false;
  /** The page's key (RFC 9449): made once, before the first handshake, never exported or stored. */
  private dpop_: dpop_key | null = null;
  private dpop_ready_: Promise<void> | null = null;

  constructor(
    private readonly deps_: session_deps,
    private readonly view_: session_view,
  ) {
    const endpoint =
      deps_.token_endpoint ?? new bot_api(deps_.fetch, deps_.timers, deps_.bot_url, deps_.assertion, () => this.dpop_);
    this.tokens_ = new token_manager(
      endpoint,
      deps_.timers,
      {
        on_refreshed: () => {},
        on_renewed: (grant, reason) => this.on_renewed(grant, reason),
        on_unavailable: (error) => this.fail(error),
      },
      deps_.token_policy ?? default_token_policy,
    );
  }

  get status(): session_status {
    return this.status_;
  }

  get entries(): readonly transcript_entry[] {
    return this.transcript_.entries;
  }

  /** The stream's transport ('websocket' or 'polling'), null before connecting. */
  get transport(): 'websocket' | 'polling' | null {
    return this.conversation_?.stream.transport ?? null;
  }

  open(): Promise<void> {
    if (this.stopped_) return Promise.resolve();
    if (this.connecting_) return this.connecting_;
    if (this.status_ !== 'idle' && this.status_ !== 'unavailable') return Promise.resolve();
    this.connecting_ = this.connect().finally(() => {
      this.connecting_ = null;
    });
    return this.connecting_;
  }

  send_text(text: string): void {
    const trimmed = text.trim();
    if (trimmed === '') return;
    this.send({ text: trimmed }, trimmed);
  }

  send_action(action: card_action): void {
    this.view_.on_suggested_actions([]);
    const value = action.value;
    if (action.type === 'imBack') {
      this.send_text(typeof value === 'string' ? value : action.title);
    } else if (action.type === 'postBack') {
      // Web Chat's shape: a string value travels as text, anything else as value; not displayed.
      const fields = typeof value === 'string' ? { text: value } : { value };
      this.send(fields, null, { postBack: true });
    } else {
      const fields: { text?: string; value?: unknown } = {};
      if (action.text !== null) fields.text = action.text;
      if (value !== undefined) fields.value = value;
      const display = action.display_text;
      this.send(fields, display, { messageBack: display !== null ? { displayText: display } : {} });
    }
  }

  retry(client_id: string): void {
    const activity = this.outgoing_.get(client_id);
    const entry = this.transcript_.entry_for(client_id);
    if (!activity || !entry || entry.state !== 'failed') return;
    const updated = this.transcript_.mark_pending(client_id);
    if (updated) this.view_.on_entry_updated(updated);
    void this.post(client_id, activity);
  }

  /** The page became visible or the browser came back online: catch up on throttled timers. */
  resume(): void {
    if (!this.stopped_ && this.tokens_.grant) this.tokens_.on_resume();
  }

  stop(): void {
    this.stopped_ = true;
    this.epoch_ += 1;
    this.tokens_.stop();
    this.conversation_?.stream.stop();
    this.conversation_ = null;
    this.clear_typing();
  }

  private async connect(): Promise<void> {
    this.set_status('connecting');
    await this.make_key();
    let grant: token_grant;
    try {
      grant = this.tokens_.grant ?? (await this.tokens_.start());
    } catch (e) {
      this.fail(e);
      return;
    }
    await this.begin_conversation(grant);
  }

  private make_key(): Promise<void> {
    const subtle = this.deps_.subtle ?? null;
    const random = this.deps_.random_bytes;
    if (subtle === null || random === undefined) return Promise.resolve();
    this.dpop_ready_ ??= dpop_key.create(subtle, this.deps_.timers, random).then((key) => {
      this.dpop_ = key;
    });
    return this.dpop_ready_;
  }

  /** The signer for the current grant: the key when the token is bound to it. */
  private signer(): proof_signer | null {
    return this.tokens_.grant?.bound ? this.dpop_ : null;
  }

  private async begin_conversation(grant: token_grant): Promise<void> {
    const epoch = ++this.epoch_;
    this.conversation_?.stream.stop();
    this.conversation_ = null;
    this.transcript_.reset_for_conversation(grant.user_id);
    const make =
      this.deps_.make_directline ??
      ((url, token, dpop) => new directline_client(this.deps_.fetch, this.deps_.timers, url, token, dpop));
    const api = make(grant.channel_url, () => this.tokens_.token, () => this.signer());
    for (let attempt = 0; ; attempt += 1) {
      try {
        const info = await api.start_conversation(this.deps_.locale, grant.user_id);
        if (epoch !== this.epoch_) return;
        if (info.token) this.tokens_.adopt(info.token, info.expires_in_s);
        this.start_stream(api, info.conversation_id || grant.conversation_id, info.stream_url, epoch);
        return;
      } catch (e) {
        if (epoch !== this.epoch_) return;
        const error = e instanceof http_error ? e : new http_error('bad_response', 0);
        if (attempt + 1 >= start_attempts || !(error.retryable || error.status === 403)) {
          this.fail(error);
          return;
        }
        if (error.status === 403) await this.tokens_.ensure_fresh();
        else await sleep(this.deps_.timers, backoff_delay_ms(attempt, () => this.deps_.timers.random()));
        if (epoch !== this.epoch_) return;
      }
    }
  }

  private start_stream(api: directline_api, id: string, stream_url: string | null, epoch: number): void {
    const current = () => epoch === this.epoch_ && !this.stopped_;
    const stream = new activity_stream(
      api,
      this.deps_.timers,
      this.deps_.open_socket,
      id,
      {
        on_activity_set: (set) => {
          if (current()) set.activities.forEach((a) => this.on_activity(a));
        },
        on_status: (status: stream_status) => {
          if (current()) this.set_status(status === 'connecting' ? 'connecting' : status);
        },
        on_token: (token, expires_in_s) => {
          if (current()) this.tokens_.adopt(token, expires_in_s);
        },
        on_auth_error: () => this.tokens_.ensure_fresh(),
        on_ended: () => {
          if (current()) void this.tokens_.renew('conversation_ended');
        },
        // Browsers cannot put a DPoP header on a WebSocket upgrade: the proof (for the stream
        // URL, over its t= token) travels as a subprotocol, which the channel echoes.
        socket_protocols: async (url) => {
          const signer = this.signer();
          if (signer === null) return null;
          const t = new URL(url).searchParams.get('t');
          return ['parley-dpop', `parley-dpop-proof.${await signer.proof('GET', url, t)}`];
        },
      },
      this.deps_.stream_options ?? default_stream_options,
    );
    this.conversation_ = { api, id, stream };
    stream.start(stream_url, null);
    const waiters = this.ready_waiters_;
    this.ready_waiters_ = [];
    waiters.forEach((wake) => wake());
  }

  private on_activity(activity: incoming_activity): void {
    if (activity.handoff) {
      if (activity.id !== null) {
        if (this.handoff_ids_.has(activity.id)) return;
        if (this.handoff_ids_.size >= 1000) this.handoff_ids_.clear();
        this.handoff_ids_.add(activity.id);
      }
      this.view_.on_handoff(activity.handoff);
      return;
    }
    const is_bot = activity.from_role === 'bot' || (activity.from_role !== 'user' && activity.from_id !== this.tokens_.grant?.user_id);
    if (activity.type === 'typing') {
      if (is_bot) this.show_typing(activity.from_name);
      return;
    }
    const result = this.transcript_.ingest(activity);
    if (result.kind === 'added') {
      if (result.entry.role === 'bot') {
        this.clear_typing();
        this.view_.on_entry_added(result.entry);
        this.view_.on_suggested_actions(activity.suggested_actions);
      } else {
        this.view_.on_entry_added(result.entry);
      }
    } else if (result.kind === 'updated') {
      this.view_.on_entry_updated(result.entry);
    }
  }

  private send(fields: { text?: string; value?: unknown }, visible_text: string | null, extra: Partial<outgoing_activity['channelData']> = {}): void {
    const client_id = this.deps_.new_client_id();
    const grant = this.tokens_.grant;
    const activity: outgoing_activity = {
      type: 'message',
      // The channel overrides from.id with the user bound in the token; sending it keeps Web Chat parity.
      from: { id: grant?.user_id ?? '', role: 'user' },
      locale: this.deps_.locale,
      localTimestamp: local_iso_timestamp(new Date(this.deps_.timers.now())),
      ...fields,
      channelData: { ...extra, clientActivityID: client_id },
    };
    this.outgoing_.set(client_id, activity);
    if (visible_text !== null) {
      this.view_.on_entry_added(this.transcript_.add_local(client_id, visible_text, new Date(this.deps_.timers.now()).toISOString()));
    } else {
      this.transcript_.add_hidden(client_id);
    }
    this.view_.on_suggested_actions([]);
    void this.post(client_id, activity, visible_text === null);
  }

  private async post(client_id: string, activity: outgoing_activity, hidden = false): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const conversation = await this.wait_until_ready();
      if (this.stopped_) return;
      if (!conversation) break;
      // The user id may only be known now (a send typed while connecting).
      activity.from.id = this.tokens_.grant?.user_id ?? activity.from.id;
      try {
        const id = await conversation.api.post_activity(conversation.id, activity);
        const entry = this.transcript_.mark_sent(client_id, id);
        if (entry && !hidden) this.view_.on_entry_updated(entry);
        conversation.stream.poll_now();
        return;
      } catch (e) {
        // 403: the token ran out under us; refresh and send once more (the channel did not accept it).
        if (e instanceof http_error && (e.status === 403 || e.status === 401) && attempt === 0) {
          await this.tokens_.ensure_fresh();
          continue;
        }
        break;
      }
    }
    if (this.stopped_) return;
    const entry = this.transcript_.mark_failed(client_id);
    if (entry && !hidden) this.view_.on_entry_updated(entry);
    if (hidden) this.view_.on_notice('action_failed', null);
  }

  private wait_until_ready(): Promise<conversation_state | null> {
    if (this.conversation_) return Promise.resolve(this.conversation_);
    if (this.status_ === 'forbidden') return Promise.resolve(null);
    if (this.status_ === 'idle' || this.status_ === 'unavailable') void this.open();
    return new Promise((resolve) => {
      let done = false;
      const timer = this.deps_.timers.set_timeout(() => {
        done = true;
        resolve(this.conversation_);
      }, ready_wait_ms);
      this.ready_waiters_.push(() => {
        if (done) return;
        this.deps_.timers.clear_timeout(timer);
        resolve(this.conversation_);
      });
    });
  }

  private on_renewed(grant: token_grant, reason: renewal_reason): void {
    if (this.stopped_) return;
    this.conversation_?.stream.stop();
    this.conversation_ = null;
    this.clear_typing();
    this.view_.on_suggested_actions([]);
    this.view_.on_notice('session_renewed', reason);
    this.set_status('connecting');
    void this.begin_conversation(grant);
  }

  private fail(error: unknown): void {
    if (this.stopped_) return;
    this.epoch_ += 1;
    this.conversation_?.stream.stop();
    this.conversation_ = null;
    this.clear_typing();
    const forbidden = error instanceof http_error && error.kind === 'status' && error.status === 403 && !this.tokens_.grant;
    // Start over with a new handshake on the next open(); no refreshes for a session nobody can use.
    this.tokens_.stop();
    this.set_status(forbidden ? 'forbidden' : 'unavailable');
    const waiters = this.ready_waiters_;
    this.ready_waiters_ = [];
    waiters.forEach((wake) => wake());
  }

  private set_status(status: session_status): void {
    if (status === this.status_) return;
    this.status_ = status;
    this.view_.on_status(status);
  }

  private show_typing(name: string | null): void {
    this.clear_typing();
    this.view_.on_typing(true, name);
    this.typing_timer_ = this.deps_.timers.set_timeout(() => {
      this.typing_timer_ = null;
      this.view_.on_typing(false, null);
    }, typing_display_ms);
  }

  private clear_typing(): void {
    if (this.typing_timer_ === null) return;
    this.deps_.timers.clear_timeout(this.typing_timer_);
    this.typing_timer_ = null;
    this.view_.on_typing(false, null);
  }
}

/** Local time with its UTC offset, as Web Chat sends in `localTimestamp` (e.g. 2024-05-01T10:00:00.000+02:00). */
export function local_iso_timestamp(date: Date): string {
  const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}
