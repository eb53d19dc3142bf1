// Fakes for the runtime seams: a virtual clock with timers, scripted randomness, a scripted fetch
// and controllable WebSockets. Time only moves when a test calls `advance`.

import type { clock_and_timers, fetch_fn, socket_like } from '../src/runtime';

/** Lets every pending promise callback run (several rounds of microtasks and one macrotask). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface scheduled {
  id: number;
  at: number;
  callback: () => void;
}

export class fake_timers implements clock_and_timers {
  private now_ = 1_700_000_000_000;
  private next_id_ = 1;
  private queue_: scheduled[] = [];
  random_values: number[] = [];
  default_random = 0.5;

  now(): number {
    return this.now_;
  }

  set_timeout(callback: () => void, delay_ms: number): unknown {
    const id = this.next_id_++;
    this.queue_.push({ id, at: this.now_ + Math.max(0, delay_ms), callback });
    return id;
  }

  clear_timeout(handle: unknown): void {
    this.queue_ = this.queue_.filter((t) => t.id !== handle);
  }

  random(): number {
    return this.random_values.length > 0 ? this.random_values.shift()! : this.default_random;
  }

  /** Pending timers as delays from now, soonest first (for assertions). */
  pending(): number[] {
    return this.queue_.map((t) => t.at - this.now_).sort((a, b) => a - b);
  }

  /** Moves the clock forward, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.now_ + ms;
    await flush();
    for (;;) {
      this.queue_.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.queue_[0];
      if (!next || next.at > end) break;
      this.queue_.shift();
      this.now_ = next.at;
      next.callback();
      await flush();
    }
    this.now_ = end;
    await flush();
  }
}

export interface recorded_request {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

type responder = (req: recorded_request) => { status: number; body?: unknown; headers?: Record<string, string> } | 'network-error' | 'hang';

/** A fetch that answers from a routing function and records every request. */
export class fake_fetch {
  readonly requests: recorded_request[] = [];
  constructor(public respond: responder) {}

  readonly fetch: fetch_fn = async (url, init) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const req: recorded_request = {
      url,
      method: init.method ?? 'GET',
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    this.requests.push(req);
    const answer = this.respond(req);
    if (answer === 'network-error') throw new TypeError('Failed to fetch');
    if (answer === 'hang') {
      return new Promise<Response>((_, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    return new Response(answer.status === 204 ? null : text, { status: answer.status, headers: answer.headers ?? {} });
  };
}

export class fake_socket implements socket_like {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closed = false;

  constructor(
    readonly url: string,
    readonly protocols: string[] | null = null,
  ) {}

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {
    this.closed = true;
  }

  // Test controls: what the server (or the network) does.
  server_open(): void {
    this.onopen?.({});
  }

  server_send(data: unknown): void {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }

  server_close(): void {
    this.onclose?.({ code: 1006 });
  }

  fail(): void {
    this.onerror?.({});
    this.onclose?.({ code: 1006 });
  }
}

export class fake_socket_factory {
  readonly sockets: fake_socket[] = [];
  readonly open = (url: string, protocols?: string[]): fake_socket => {
    const socket = new fake_socket(url, protocols ?? null);
    this.sockets.push(socket);
    return socket;
  };

  get last(): fake_socket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error('no socket opened');
    return s;
  }
}
