// The desk's server API (the backend-for-frontend). Every call carries the static CSRF header the
// server requires; the session is the HttpOnly cookie the browser sends by itself (no token is
// ever visible to this code).
export interface tenant_choice {
  id: string;
  name: string;
}

export interface session_info {
  signed_in: true;
  tenant: string;
  tenant_name: string;
  role: 'consultant' | 'supervisor' | 'admin';
  name: string;
  actor: string;
  idle_remaining_s: number;
  absolute_remaining_s: number;
  idle_warning_s: number;
}

export interface conversation_summary {
  id: string;
  bot: string;
  state: string;
  created: string;
  last_activity: string;
  activities: number;
  /** Where it stands in the live desk's queue, when it is handed over. */
  handoff?: { status: 'waiting' | 'assigned'; queue: string; waiting_s: number; owner_name?: string };
}

export interface desk_settings {
  version: number;
  idle_timeout_minutes: number;
  absolute_timeout_hours: number;
}

/** Thrown for 401: the session is gone. */
export class signed_out_error extends Error {}

export const csrf_header = { 'X-Parley-Desk': '1' };

export interface fetcher {
  (input: string, init?: RequestInit): Promise<Response>;
}

export class desk_api {
  constructor(private readonly fetch_fn: fetcher) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { ...csrf_header, Accept: 'application/json' };
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const r = await this.fetch_fn(path, init);
    if (r.status === 401) throw new signed_out_error('signed out');
    if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status}`);
    return (await r.json()) as T;
  }

  async tenants(): Promise<tenant_choice[]> {
    const r = await this.fetch_fn('/desk/tenants', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!r.ok) throw new Error(`tenants: HTTP ${r.status}`);
    return ((await r.json()) as { tenants: tenant_choice[] }).tenants;
  }
  session(): Promise<session_info> {
    return this.call('GET', '/desk/api/session');
  }
  extend(): Promise<session_info> {
    return this.call('POST', '/desk/api/session/extend', {});
  }
  async logout(): Promise<string> {
    return (await this.call<{ redirect: string }>('POST', '/desk/api/logout', {})).redirect;
  }
  async conversations(live: boolean): Promise<conversation_summary[]> {
    const r = await this.call<{ conversations: conversation_summary[] }>('GET', live ? '/desk/api/live' : '/desk/api/conversations');
    return r.conversations;
  }
  settings(): Promise<desk_settings> {
    return this.call('GET', '/desk/api/settings');
  }
  save_settings(s: { version: number; idle_timeout_minutes: number }): Promise<desk_settings> {
    return this.call('PUT', '/desk/api/settings', s);
  }

  // ---- the live desk (issue 19) ----
  handoffs(): Promise<queue_view> {
    return this.call('GET', '/desk/api/handoffs');
  }
  /** The caller as an agent of the queue (automatic assignment gives work only to "available"). */
  set_availability(state: availability): Promise<unknown> {
    return this.call('PUT', '/desk/api/availability', { state });
  }
  /** Resolves with the handoff now owned by the caller; rejects with take_refused when another won. */
  async take(id: string, version: number): Promise<handoff> {
    const r = await this.fetch_fn(`/desk/api/handoffs/${encodeURIComponent(id)}/take`, {
      method: 'POST',
      headers: { ...csrf_header, Accept: 'application/json', 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
      body: JSON.stringify({ version }),
    });
    if (r.status === 401) throw new signed_out_error('signed out');
    if (r.status === 409) throw new take_refused(await r.text());
    if (!r.ok) throw new Error(`take: HTTP ${r.status}`);
    return (await r.json()) as handoff;
  }
  send(id: string, text: string): Promise<unknown> {
    return this.call('POST', `/desk/api/handoffs/${encodeURIComponent(id)}/messages`, { text });
  }
  typing(id: string): Promise<unknown> {
    return this.call('POST', `/desk/api/handoffs/${encodeURIComponent(id)}/typing`);
  }
  hand_back(id: string, note: string, intent: string): Promise<unknown> {
    const body: Record<string, string> = {};
    if (note) body['note'] = note;
    if (intent) body['intent'] = intent;
    return this.call('POST', `/desk/api/handoffs/${encodeURIComponent(id)}/hand-back`, body);
  }
  transcript(id: string): Promise<transcript> {
    return this.call('GET', `/desk/api/handoffs/${encodeURIComponent(id)}/transcript`);
  }
  monitor(id: string): Promise<transcript> {
    return this.call('POST', `/desk/api/conversations/${encodeURIComponent(id)}/monitor`);
  }
  /** The tenant's consultants as the queue knows them (whom to transfer to). */
  async agents(): Promise<agent[]> {
    return (await this.call<{ agents: agent[] }>('GET', '/desk/api/agents')).agents;
  }
  async canned(): Promise<canned_response[]> {
    return (await this.call<{ canned: canned_response[] }>('GET', '/desk/api/canned')).canned;
  }
  /** A private note on the conversation (kept with it; never shown to the customer). */
  add_note(id: string, text: string): Promise<{ id: string; seq: number }> {
    return this.call('POST', `/desk/api/handoffs/${encodeURIComponent(id)}/notes`, { text });
  }
  /** The transcript as the file the server offers for download (audited there). */
  async export_transcript(id: string): Promise<Blob> {
    const r = await this.fetch_fn(`/desk/api/conversations/${encodeURIComponent(id)}/export`, {
      headers: { ...csrf_header, Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (r.status === 401) throw new signed_out_error('signed out');
    if (!r.ok) throw new Error(`export: HTTP ${r.status}`);
    return r.blob();
  }
  search(p: { q: string; from?: number; to?: number }): Promise<{ conversations: search_hit[]; complete: boolean }> {
    const params = new URLSearchParams();
    if (p.q) params.set('q', p.q);
    if (p.from !== undefined) params.set('from', String(p.from));
    if (p.to !== undefined) params.set('to', String(p.to));
    return this.call('GET', `/desk/api/search?${params.toString()}`);
  }
  /** Passes an owned conversation to another queue or consultant (the assistant is not asked in between). */
  transfer(id: string, to: { queue: string } | { consultant: string }): Promise<unknown> {
    return this.call('POST', `/desk/api/handoffs/${encodeURIComponent(id)}/transfer`, to);
  }
}

export interface canned_response {
  title: string;
  text: string;
}

export interface search_hit {
  id: string;
  user: string;
  state: string;
  last_activity: number;
  activities: number;
}

export interface agent {
  id: string;
  name: string;
  availability: availability;
  load: number;
  capacity: number;
  skills: string[];
  me: boolean;
}

export interface handoff {
  conversation: string;
  queue: string;
  priority: number;
  status: 'waiting' | 'assigned';
  version: number;
  waiting_s: number;
  reason: string;
  failed_intent: string;
  owner_name?: string;
  mine?: boolean;
}

export type availability = 'available' | 'busy' | 'away';

export interface queue_view {
  handoffs: handoff[];
  waiting: number;
  availability?: availability;
  capacity?: number;
  load?: number;
  /** With opening hours configured: false outside them (a handoff then fails at once). */
  open?: boolean;
  hours?: string;
}

export interface transcript_item {
  seq: number;
  type: string;
  role: string;
  activity?: { text?: string; name?: string; from?: { name?: string; role?: string } };
  integrity?: 'failed';
}

export interface transcript {
  conversation: string;
  state: string;
  activities: transcript_item[];
}

/** A take that another consultant won (409): the message says why. */
export class take_refused extends Error {}
