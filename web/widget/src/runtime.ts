// The seams between the widget's logic and the browser: time, timers, randomness, fetch and
// WebSocket. Production code gets `browser_runtime()`; unit tests pass fakes (test/fakes.ts) so
// that token expiry, backoff and reconnects are tested without waiting.

/** Opaque timer handle. */
export type timer_handle = unknown;

export interface clock_and_timers {
  /** Milliseconds since the epoch. */
  now(): number;
  set_timeout(callback: () => void, delay_ms: number): timer_handle;
  clear_timeout(handle: timer_handle): void;
  /** Uniform in [0, 1); used only for jitter, never for anything secret. */
  random(): number;
}

export type fetch_fn = (url: string, init: RequestInit) => Promise<Response>;

/** The subset of the browser WebSocket the stream uses. */
export interface socket_like {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type socket_factory = (url: string, protocols?: string[]) => socket_like;

export function browser_runtime(): { timers: clock_and_timers; fetch: fetch_fn; open_socket: socket_factory } {
  return {
    timers: {
      now: () => Date.now(),
      set_timeout: (callback, delay_ms) => window.setTimeout(callback, delay_ms),
      clear_timeout: (handle) => window.clearTimeout(handle as number),
      random: () => Math.random(),
    },
    fetch: (url, init) => window.fetch(url, init),
    open_socket: (url, protocols) => new WebSocket(url, protocols) as unknown as socket_like,
  };
}

/**
 * "Full jitter" exponential backoff: a uniform delay in [base/2, min(cap, base * 2^attempt)].
 * The half-base floor keeps a storm of clients from retrying instantly.
 */
export function backoff_delay_ms(attempt: number, random: () => number, base_ms = 1000, cap_ms = 30000): number {
  const ceiling = Math.min(cap_ms, base_ms * 2 ** Math.min(attempt, 16));
  const floor = Math.min(base_ms / 2, ceiling);
  return Math.round(floor + random() * (ceiling - floor));
}

/** Resolves after `ms` on the injected timers. */
export function sleep(timers: clock_and_timers, ms: number): Promise<void> {
  return new Promise((resolve) => {
    timers.set_timeout(resolve, ms);
  });
}
