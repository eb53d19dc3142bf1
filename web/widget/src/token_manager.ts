// Holds the widget's conversation token (in memory only) and keeps it fresh.
//
// Contract:
// - `start()` performs the handshake, retrying 429 (after Retry-After), 5xx and network failures
//   with jittered backoff; it rejects with the last `http_error` when it gives up (403 = this origin
//   is not allowed: no retry).
// - Once started, the token is refreshed in the background at a random point between
//   `refresh_at_min` and `refresh_at_max` of its lifetime (measured on the local clock from the
//   moment the grant arrived, so client clock skew does not matter). Failed refreshes are retried
//   with jitter while the token is still valid; when a refresh is refused (403) or retries run out,
//   a new handshake starts a new conversation and `on_renewed` tells the session, which tells the user.
// - `ensure_fresh()` is for callers that got a 403 from the channel: it refreshes now (sharing an
//   in-flight refresh) and resolves once a usable token is held.
// - The token never leaves this object except through `token` and the event callbacks; it is never
//   written to storage or logged. Single-threaded (browser event loop); `stop()` cancels everything.

import type { token_endpoint } from './bot_api';
import { http_error } from './http';
import type { token_grant } from './protocol';
import { backoff_delay_ms, sleep, type clock_and_timers, type timer_handle } from './runtime';

export type renewal_reason = 'refresh_rejected' | 'refresh_failed' | 'expired' | 'conversation_changed' | 'conversation_ended';

export interface token_events {
  /** The token was replaced; same conversation. */
  on_refreshed(grant: token_grant): void;
  /** A new handshake gave a new conversation (the old one is gone for the user). */
  on_renewed(grant: token_grant, reason: renewal_reason): void;
  /** A renewal handshake gave up; the session is unusable until `renew` succeeds. */
  on_unavailable(error: http_error): void;
}

export interface token_policy {
  /** Earliest refresh point as a fraction of the lifetime. */
  refresh_at_min: number;
  /** Latest refresh point as a fraction of the lifetime. */
  refresh_at_max: number;
  /** Treat lifetimes as at most this many seconds (tests, or a server with clock trouble); null = no cap. */
  lifetime_cap_s: number | null;
  /** Refresh attempts before giving up and renewing. */
  max_refresh_attempts: number;
  refresh_retry_base_ms: number;
  refresh_retry_cap_ms: number;
  /** A refresh retry is only tried if it would start this long before expiry. */
  expiry_margin_ms: number;
  /** Handshake attempts before `start()`/`renew()` give up. */
  handshake_attempts: number;
  handshake_retry_base_ms: number;
  handshake_retry_cap_ms: number;
}

export const default_token_policy: token_policy = {
  refresh_at_min: 0.5,
  refresh_at_max: 0.7,
  lifetime_cap_s: null,
  max_refresh_attempts: 5,
  refresh_retry_base_ms: 1000,
  refresh_retry_cap_ms: 8000,
  expiry_margin_ms: 3000,
  handshake_attempts: 6,
  handshake_retry_base_ms: 1000,
  handshake_retry_cap_ms: 30000,
};

export class token_manager {
  private grant_: token_grant | null = null;
  private expires_at_ms_ = 0;
  private refresh_due_ms_ = 0;
  private timer_: timer_handle | null = null;
  private refreshing_: Promise<void> | null = null;
  private renewing_: Promise<void> | null = null;
  /** Bumped by stop() and by every new grant from a handshake; stale async work checks it. */
  private epoch_ = 0;

  constructor(
    private readonly endpoint_: token_endpoint,
    private readonly timers_: clock_and_timers,
    private readonly events_: token_events,
    private readonly policy_: token_policy = default_token_policy,
  ) {}

  get token(): string {
    if (!this.grant_) throw new Error('token_manager: not started');
    return this.grant_.token;
  }

  get grant(): token_grant | null {
    return this.grant_;
  }

  /** When the held token expires (local clock, ms since epoch); 0 before start. */
  get expires_at_ms(): number {
    return this.expires_at_ms_;
  }

  /** When the next background refresh is due; 0 when none is scheduled. */
  get refresh_due_ms(): number {
    return this.refresh_due_ms_;
  }

  async start(): Promise<token_grant> {
    const epoch = ++this.epoch_;
    const grant = await this.handshake_with_retries(epoch);
    this.apply(grant);
    return grant;
  }

  /** Takes over a token the channel handed out for the same conversation (POST/GET conversation). */
  adopt(token: string, expires_in_s: number | null): void {
    if (!this.grant_) return;
    this.grant_ = { ...this.grant_, token };
    if (expires_in_s !== null) this.apply({ ...this.grant_, expires_in_s });
  }

  /** Refreshes now; resolves once a usable token is held (possibly for a renewed conversation). */
  async ensure_fresh(): Promise<void> {
    if (this.renewing_) return this.renewing_;
    return this.refresh_now();
  }

  /** Call after the page was hidden or offline: timers may have been throttled meanwhile. */
  on_resume(): void {
    if (!this.grant_ || this.renewing_ || this.refreshing_) return;
    const now = this.timers_.now();
    if (now >= this.expires_at_ms_ - this.policy_.expiry_margin_ms) void this.renew('expired');
    else if (now >= this.refresh_due_ms_) void this.refresh_now();
  }

  /** Starts a new conversation with a new handshake (single-flight). */
  renew(reason: renewal_reason): Promise<void> {
    if (this.renewing_) return this.renewing_;
    this.cancel_timer();
    const epoch = ++this.epoch_;
    this.renewing_ = (async () => {
      try {
        const grant = await this.handshake_with_retries(epoch);
        if (epoch !== this.epoch_) return;
        this.apply(grant);
        this.events_.on_renewed(grant, reason);
      } catch (e) {
        if (epoch !== this.epoch_) return;
        this.grant_ = null;
        this.events_.on_unavailable(e instanceof http_error ? e : new http_error('network', 0));
      } finally {
        this.renewing_ = null;
      }
    })();
    return this.renewing_;
  }

  stop(): void {
    this.epoch_ += 1;
    this.cancel_timer();
    this.grant_ = null;
    this.refresh_due_ms_ = 0;
  }

  private apply(grant: token_grant): void {
    const now = this.timers_.now();
    const lifetime_s = this.policy_.lifetime_cap_s === null ? grant.expires_in_s : Math.min(grant.expires_in_s, this.policy_.lifetime_cap_s);
    this.grant_ = grant;
    this.expires_at_ms_ = now + lifetime_s * 1000;
    const { refresh_at_min: lo, refresh_at_max: hi } = this.policy_;
    const delay = Math.round(lifetime_s * 1000 * (lo + this.timers_.random() * (hi - lo)));
    this.refresh_due_ms_ = now + delay;
    this.cancel_timer();
    this.timer_ = this.timers_.set_timeout(() => {
      this.timer_ = null;
      void this.refresh_now();
    }, delay);
  }

  private refresh_now(): Promise<void> {
    if (this.refreshing_) return this.refreshing_;
    this.cancel_timer();
    this.refreshing_ = this.refresh_with_retries(this.epoch_).finally(() => {
      this.refreshing_ = null;
    });
    return this.refreshing_;
  }

  private async refresh_with_retries(epoch: number): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const current = this.grant_;
      if (!current || epoch !== this.epoch_) return;
      try {
        const grant = await this.endpoint_.refresh(current);
        if (epoch !== this.epoch_) return;
        if (grant.conversation_id !== current.conversation_id) {
          this.epoch_ += 1;
          this.apply(grant);
          this.events_.on_renewed(grant, 'conversation_changed');
        } else {
          this.apply(grant);
          this.events_.on_refreshed(grant);
        }
        return;
      } catch (e) {
        if (epoch !== this.epoch_) return;
        const error = e instanceof http_error ? e : new http_error('bad_response', 0);
        const delay = this.retry_delay(error, attempt, this.policy_.refresh_retry_base_ms, this.policy_.refresh_retry_cap_ms);
        const in_time = this.timers_.now() + delay < this.expires_at_ms_ - this.policy_.expiry_margin_ms;
        if (!error.retryable || attempt + 1 >= this.policy_.max_refresh_attempts || !in_time) {
          // Do not hold the refresh lock while renewing: renew() is single-flight on its own.
          void this.renew(error.status === 403 || error.status === 401 ? 'refresh_rejected' : 'refresh_failed');
          return;
        }
        await sleep(this.timers_, delay);
      }
    }
  }

  private async handshake_with_retries(epoch: number): Promise<token_grant> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.endpoint_.handshake();
      } catch (e) {
        const error = e instanceof http_error ? e : new http_error('bad_response', 0);
        if (epoch !== this.epoch_ || !error.retryable || attempt + 1 >= this.policy_.handshake_attempts) throw error;
        await sleep(this.timers_, this.retry_delay(error, attempt, this.policy_.handshake_retry_base_ms, this.policy_.handshake_retry_cap_ms));
        if (epoch !== this.epoch_) throw error;
      }
    }
  }

  private retry_delay(error: http_error, attempt: number, base_ms: number, cap_ms: number): number {
    const jittered = backoff_delay_ms(attempt, () => this.timers_.random(), base_ms, cap_ms);
    // Honour Retry-After, plus jitter so that throttled clients do not come back in lockstep.
    return error.retry_after_s !== null ? error.retry_after_s * 1000 + Math.round(this.timers_.random() * base_ms) : jittered;
  }

  private cancel_timer(): void {
    if (this.timer_ !== null) this.timers_.clear_timeout(this.timer_);
    this.timer_ = null;
  }
}
