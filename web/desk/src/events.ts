// The desk's events WebSocket (/desk/api/events): envelopes {seq, type, data}. Part 1 uses
// "hello" and "session.ended"; a close with 4401 means the session ended. Other closes reconnect
// with a growing delay while the desk is signed in.
export interface envelope {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

export interface socket_like {
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: { code: number }) => void) | null;
  close(code?: number): void;
}

export class desk_events {
  private socket: socket_like | null = null;
  private stopped = false;
  private retry_ms = 1000;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly open: () => socket_like,
    private readonly on_event: (e: envelope) => void,
    private readonly on_ended: (reason: string) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const s = this.socket;
    this.socket = null;
    s?.close(1000);
  }

  private connect(): void {
    const s = this.open();
    this.socket = s;
    s.onmessage = (e) => {
      if (typeof e.data !== 'string') return;
      let msg: envelope;
      try {
        msg = JSON.parse(e.data) as envelope;
      } catch {
        return;
      }
      if (typeof msg.type !== 'string') return;
      this.retry_ms = 1000;
      if (msg.type === 'session.ended') {
        const reason = typeof msg.data?.reason === 'string' ? msg.data.reason : 'ended';
        this.stopped = true;
        this.on_ended(reason);
        return;
      }
      this.on_event(msg);
    };
    s.onclose = (e) => {
      if (this.socket !== s) return;
      this.socket = null;
      if (this.stopped) return;
      if (e.code === 4401) {
        this.stopped = true;
        this.on_ended('ended');
        return;
      }
      this.timer = setTimeout(() => this.connect(), this.retry_ms);
      this.retry_ms = Math.min(this.retry_ms * 2, 30_000);
    };
  }
}

export function events_url(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/desk/api/events`;
}
