// Receives a conversation's activities: the Direct Line WebSocket stream, with reconnects and
// watermark resume, or polling `GET .../activities` where WebSockets do not get through.
//
// Contract:
// - `start(stream_url, watermark)` opens the stream (or starts polling in 'polling' mode). Every
//   ActivitySet is passed to `on_activity_set` in arrival order; the watermark of the last set is
//   kept and used on every reconnect (`GET /conversations/{id}?watermark=W` → new streamUrl), so a
//   reconnect resumes where the last frame left off. The stream itself does not de-duplicate: a
//   replay after a reconnect may repeat activities, and the transcript drops them by id.
// - Any close or error reconnects after a jittered, growing delay. In 'auto' mode, after
//   `ws_open_failures_before_polling` consecutive sockets that never opened, it switches to polling
//   for the rest of the conversation.
// - 401/403 from the channel calls `on_auth_error` (refresh the token) and then retries; 404 calls
//   `on_ended` and stops. Malformed or oversized frames are dropped, never thrown.
// - Single-threaded (browser event loop). After `stop()` no callback fires.

import type { directline_api } from './directline';
import { http_error } from './http';
import { parse_activity_set, type activity_set } from './protocol';
import { backoff_delay_ms, type clock_and_timers, type socket_factory, type socket_like, type timer_handle } from './runtime';

export type stream_status = 'connecting' | 'online' | 'reconnecting';
export type transport_mode = 'auto' | 'websocket' | 'polling';

export interface stream_events {
  on_activity_set(set: activity_set): void;
  on_status(status: stream_status): void;
  /** The channel handed out a fresh token with a reconnect. */
  on_token(token: string, expires_in_s: number | null): void;
  /** 401/403: get a fresh token; the stream retries once the promise settles. */
  on_auth_error(): Promise<void>;
  /** 404: the conversation no longer exists. */
  on_ended(): void;
  /** The WebSocket subprotocols to offer for `stream_url` (a DPoP proof for a bound token), or
   *  null for none. Called for every socket. */
  socket_protocols?(stream_url: string): Promise<string[] | null>;
}

export interface stream_options {
  mode: transport_mode;
  ws_open_failures_before_polling: number;
  polling_interval_ms: number;
  keepalive_ms: number;
  reconnect_base_ms: number;
  reconnect_cap_ms: number;
  max_frame_chars: number;
}

export const default_stream_options: stream_options = {
  mode: 'auto',
  ws_open_failures_before_polling: 3,
  polling_interval_ms: 1000,
  keepalive_ms: 20000,
  reconnect_base_ms: 1000,
  reconnect_cap_ms: 30000,
  max_frame_chars: 1 << 20,
};

export class activity_stream {
  private watermark_: string | null = null;
  private stopped_ = true;
  private polling_ = false;
  private socket_: socket_like | null = null;
  private socket_serial_ = 0;
  private timer_: timer_handle | null = null;
  private keepalive_: timer_handle | null = null;
  private attempt_ = 0;
  private open_failures_ = 0;
  private poll_in_flight_ = false;

  constructor(
    private readonly api_: directline_api,
    private readonly timers_: clock_and_timers,
    private readonly open_socket_: socket_factory,
    private readonly conversation_id_: string,
    private readonly events_: stream_events,
    private readonly options_: stream_options = default_stream_options,
  ) {}

  get watermark(): string | null {
    return this.watermark_;
  }

  get transport(): 'websocket' | 'polling' {
    return this.polling_ ? 'polling' : 'websocket';
  }

  start(stream_url: string | null, watermark: string | null): void {
    this.stopped_ = false;
    this.watermark_ = watermark;
    this.events_.on_status('connecting');
    if (this.options_.mode === 'polling') this.switch_to_polling();
    else if (stream_url) void this.open_socket(stream_url);
    else void this.reconnect_socket();
  }

  stop(): void {
    this.stopped_ = true;
    this.clear_timer();
    this.close_socket();
  }

  /** In polling mode, polls now instead of waiting for the interval (e.g. right after a send). */
  poll_now(): void {
    if (this.stopped_ || !this.polling_ || this.poll_in_flight_) return;
    this.clear_timer();
    void this.poll();
  }

  /** Signs what the socket needs (a bound token's proof) and connects. */
  private async open_socket(url: string): Promise<void> {
    const serial = this.socket_serial_;
    let protocols: string[] | null = null;
    try {
      protocols = this.events_.socket_protocols ? await this.events_.socket_protocols(url) : null;
    } catch {
      if (this.stopped_ || serial !== this.socket_serial_) return;
      this.open_failures_ += 1;
      this.schedule_reconnect();
      return;
    }
    if (this.stopped_ || serial !== this.socket_serial_) return;
    this.connect_socket(url, protocols);
  }

  private connect_socket(url: string, protocols: string[] | null): void {
    const serial = ++this.socket_serial_;
    const current = () => !this.stopped_ && serial === this.socket_serial_;
    let opened = false;
    let ended = false;
    let socket: socket_like;
    try {
      socket = protocols !== null ? this.open_socket_(url, protocols) : this.open_socket_(url);
    } catch {
      this.open_failures_ += 1;
      this.schedule_reconnect();
      return;
    }
    this.socket_ = socket;
    const on_end = () => {
      if (ended) return;
      ended = true;
      if (!current()) return;
      this.stop_keepalive();
      this.close_socket();
      if (!opened) this.open_failures_ += 1;
      this.schedule_reconnect();
    };
    socket.onopen = () => {
      if (!current()) return;
      opened = true;
      this.open_failures_ = 0;
      this.attempt_ = 0;
      this.events_.on_status('online');
      this.start_keepalive(socket, current);
    };
    socket.onmessage = (ev) => {
      if (current()) this.on_frame(ev.data);
    };
    socket.onclose = on_end;
    socket.onerror = on_end;
  }

  private on_frame(data: unknown): void {
    // Empty frames are keep-alives; binary or oversized frames are not Direct Line and are dropped.
    if (typeof data !== 'string' || data.length === 0 || data.length > this.options_.max_frame_chars) return;
    let set: activity_set;
    try {
      set = parse_activity_set(JSON.parse(data));
    } catch {
      return;
    }
    this.deliver(set);
  }

  private deliver(set: activity_set): void {
    if (set.watermark !== null) this.watermark_ = set.watermark;
    if (set.activities.length > 0) this.events_.on_activity_set(set);
  }

  private schedule_reconnect(): void {
    if (this.stopped_) return;
    if (this.options_.mode === 'auto' && this.open_failures_ >= this.options_.ws_open_failures_before_polling) {
      this.switch_to_polling();
      return;
    }
    this.events_.on_status('reconnecting');
    const delay = backoff_delay_ms(this.attempt_++, () => this.timers_.random(), this.options_.reconnect_base_ms, this.options_.reconnect_cap_ms);
    this.clear_timer();
    this.timer_ = this.timers_.set_timeout(() => {
      this.timer_ = null;
      void this.reconnect_socket();
    }, delay);
  }

  private async reconnect_socket(): Promise<void> {
    let url: string | null;
    try {
      const info = await this.api_.reconnect(this.conversation_id_, this.watermark_);
      if (this.stopped_) return;
      if (info.token) this.events_.on_token(info.token, info.expires_in_s);
      url = info.stream_url;
    } catch (e) {
      if (this.stopped_) return;
      if (await this.handle_rest_error(e)) this.schedule_reconnect();
      return;
    }
    if (url) await this.open_socket(url);
    else {
      this.open_failures_ += 1;
      this.schedule_reconnect();
    }
  }

  /** Returns true when the caller should retry later. */
  private async handle_rest_error(e: unknown): Promise<boolean> {
    const status = e instanceof http_error ? e.status : 0;
    if (status === 404) {
      this.stop();
      this.events_.on_ended();
      return false;
    }
    if (status === 401 || status === 403) {
      await this.events_.on_auth_error();
      return !this.stopped_;
    }
    return !this.stopped_;
  }

  private switch_to_polling(): void {
    this.polling_ = true;
    this.close_socket();
    this.attempt_ = 0;
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.stopped_) return;
    const started = this.timers_.now();
    this.poll_in_flight_ = true;
    let delay: number;
    try {
      const set = await this.api_.get_activities(this.conversation_id_, this.watermark_);
      if (this.stopped_) return;
      this.attempt_ = 0;
      this.events_.on_status('online');
      this.deliver(set);
      delay = Math.max(0, this.options_.polling_interval_ms - (this.timers_.now() - started));
    } catch (e) {
      if (this.stopped_ || !(await this.handle_rest_error(e))) return;
      this.events_.on_status('reconnecting');
      delay = backoff_delay_ms(this.attempt_++, () => this.timers_.random(), this.options_.reconnect_base_ms, this.options_.reconnect_cap_ms);
    } finally {
      this.poll_in_flight_ = false;
    }
    if (this.stopped_) return;
    this.clear_timer();
    this.timer_ = this.timers_.set_timeout(() => {
      this.timer_ = null;
      void this.poll();
    }, delay);
  }

  private start_keepalive(socket: socket_like, current: () => boolean): void {
    this.stop_keepalive();
    const tick = () => {
      if (!current()) return;
      try {
        socket.send('');
      } catch {
        return; // the close event follows and reconnects
      }
      this.keepalive_ = this.timers_.set_timeout(tick, this.options_.keepalive_ms);
    };
    this.keepalive_ = this.timers_.set_timeout(tick, this.options_.keepalive_ms);
  }

  private stop_keepalive(): void {
    if (this.keepalive_ !== null) this.timers_.clear_timeout(this.keepalive_);
    this.keepalive_ = null;
  }

  private close_socket(): void {
    this.stop_keepalive();
    const socket = this.socket_;
    this.socket_ = null;
    this.socket_serial_ += 1;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(1000);
    } catch {
      // already closed
    }
  }

  private clear_timer(): void {
    if (this.timer_ !== null) this.timers_.clear_timeout(this.timer_);
    this.timer_ = null;
  }
}
