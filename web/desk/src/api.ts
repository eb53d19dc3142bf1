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
}
