// The desk app: sign-in (a navigation to the desk's /desk/login/{tenant}), who is signed in (name,
// role, tenant), the live desk (live.tsx: queue, conversation, hand-back, monitor), the tenant's
// conversations, the session-expiry warning and sign-out.
import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { computed, signal } from '@preact/signals';
import { conversation_summary, desk_api, desk_settings, session_info, signed_out_error, tenant_choice } from './api';
import { desk_events, events_url, socket_like } from './events';
import { ended_message, expiry_at, expiry_state, format_duration, sign_in_error } from './expiry';
import { LiveDesk, init_live, on_event, state_label } from './live';

const api = new desk_api((input, init) => fetch(input, init));
const poll_ms = 30_000;

type view = { kind: 'loading' } | { kind: 'signed_out'; message: string | null; error: string | null } | { kind: 'signed_in' };

const current = signal<view>({ kind: 'loading' });
const session = signal<session_info | null>(null);
const session_at = signal(0); // performance.now() when `session` arrived
const now = signal(performance.now());
const tenants = signal<tenant_choice[]>([]);
const conversations = signal<conversation_summary[] | null>(null);
const live = signal<conversation_summary[] | null>(null);
const settings = signal<desk_settings | null>(null);
const status = signal('');

const expiry = computed<expiry_state | null>(() => {
  const s = session.value;
  if (!s) return null;
  return expiry_at(s, (now.value - session_at.value) / 1000);
});

let events: desk_events | null = null;
let poller: ReturnType<typeof setInterval> | null = null;

function role_label(r: string): string {
  return r.charAt(0).toUpperCase() + r.slice(1);
}

function show_signed_out(message: string | null, error: string | null = null): void {
  events?.stop();
  events = null;
  if (poller) clearInterval(poller);
  poller = null;
  session.value = null;
  conversations.value = null;
  live.value = null;
  settings.value = null;
  current.value = { kind: 'signed_out', message, error };
  void api.tenants().then((t) => (tenants.value = t), () => (tenants.value = []));
}

async function refresh_session(): Promise<boolean> {
  try {
    session.value = await api.session();
    session_at.value = performance.now();
    return true;
  } catch (e) {
    if (e instanceof signed_out_error) show_signed_out(ended_message('idle'));
    return false;
  }
}

async function load_lists(): Promise<void> {
  try {
    conversations.value = await api.conversations(false);
    const role = session.value?.role;
    if (role === 'supervisor' || role === 'admin') live.value = await api.conversations(true);
    if (role === 'admin') settings.value = await api.settings();
  } catch (e) {
    if (e instanceof signed_out_error) show_signed_out(ended_message(null));
  }
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const error = params.get('error');
  const signed_out = params.get('signed_out');
  if (error !== null || signed_out !== null) history.replaceState(null, '', '/desk/');
  if (error !== null) {
    show_signed_out(null, sign_in_error(error));
    return;
  }
  if (!(await refresh_session())) {
    if (current.value.kind === 'loading' || signed_out !== null) show_signed_out(signed_out !== null ? ended_message(signed_out) : null);
    return;
  }
  current.value = { kind: 'signed_in' };
  events = new desk_events(
    () => new WebSocket(events_url(location)) as unknown as socket_like,
    (e) => {
      on_event(e);
      // A handoff moved: the conversation lists show it (waiting, with whom) without a reload.
      if (e.type === 'queue.changed') void load_lists();
    },
    (reason) => show_signed_out(ended_message(reason)),
  );
  events.start();
  poller = setInterval(() => void refresh_session(), poll_ms);
  init_live(api, () => show_signed_out(ended_message(null)));
  await load_lists();
}

async function sign_out(): Promise<void> {
  status.value = 'Signing out…';
  try {
    const redirect = await api.logout();
    events?.stop();
    location.assign(redirect);
  } catch (e) {
    if (e instanceof signed_out_error) show_signed_out(ended_message('signed_out'));
    else status.value = 'Sign-out failed. Please try again.';
  }
}

async function stay_signed_in(): Promise<void> {
  try {
    session.value = await api.extend();
    session_at.value = performance.now();
    status.value = 'Your session was extended.';
  } catch (e) {
    if (e instanceof signed_out_error) show_signed_out(ended_message('idle'));
  }
}

function SignIn() {
  const v = current.value;
  if (v.kind !== 'signed_out') return null;
  return (
    <section aria-labelledby="sign-in-title" class="card">
      <h2 id="sign-in-title">Sign in</h2>
      {v.error && (
        <p role="alert" class="error">
          {v.error}
        </p>
      )}
      {v.message && (
        <p role="status" class="notice">
          {v.message}
        </p>
      )}
      <p>Sign in with your organisation’s account.</p>
      <ul class="tenants">
        {tenants.value.map((t) => (
          <li key={t.id}>
            <a class="button" href={`/desk/login/${encodeURIComponent(t.id)}`}>
              Sign in with {t.name}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ExpiryWarning() {
  const e = expiry.value;
  const button = useRef<HTMLButtonElement>(null);
  const showing = e?.kind === 'warning';
  useEffect(() => {
    if (showing) button.current?.focus();
  }, [showing]);
  useEffect(() => {
    if (e?.kind === 'expired') void refresh_session().then((ok) => ok || show_signed_out(ended_message('idle')));
  }, [e?.kind]);
  if (!e || e.kind !== 'warning') return null;
  return (
    <div role="alertdialog" aria-modal="false" aria-labelledby="expiry-title" aria-describedby="expiry-text" class="warning">
      <h2 id="expiry-title">Your session is about to end</h2>
      <p id="expiry-text">
        {e.extendable
          ? `You will be signed out in ${format_duration(e.left_s)} because you have been inactive.`
          : `Your session reaches its maximum length in ${format_duration(e.left_s)}.`}
      </p>
      {e.extendable && (
        <button ref={button} type="button" onClick={() => void stay_signed_in()}>
          Stay signed in
        </button>
      )}
    </div>
  );
}

function ConversationTable({ title, items }: { title: string; items: conversation_summary[] | null }) {
  const id = title.toLowerCase().replace(/\W+/g, '-');
  return (
    <section aria-labelledby={id} class="card">
      <h2 id={id}>{title}</h2>
      {items === null ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>No conversations.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Conversation</th>
              <th scope="col">State</th>
              <th scope="col">Last activity</th>
              <th scope="col">Messages</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>
                  <code>{c.id}</code>
                </td>
                <td>{state_label(c)}</td>
                <td>
                  <time dateTime={c.last_activity}>{new Date(c.last_activity).toLocaleString()}</time>
                </td>
                <td>{c.activities}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Settings() {
  const s = settings.value;
  if (!s) return null;
  const save = async (e: Event) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem('idle') as HTMLInputElement;
    try {
      settings.value = await api.save_settings({ version: s.version, idle_timeout_minutes: Number(input.value) });
      status.value = 'Settings saved.';
    } catch {
      status.value = 'The settings could not be saved (changed meanwhile, or out of range).';
    }
  };
  return (
    <section aria-labelledby="settings-title" class="card">
      <h2 id="settings-title">Desk settings</h2>
      <form onSubmit={(e) => void save(e)}>
        <label for="idle">Sign consultants out after this many idle minutes</label>
        <input id="idle" name="idle" type="number" min={1} defaultValue={String(s.idle_timeout_minutes)} required />
        <button type="submit">Save</button>
      </form>
    </section>
  );
}

function Desk() {
  const s = session.value;
  if (current.value.kind !== 'signed_in' || !s) return null;
  return (
    <>
      <ExpiryWarning />
      <LiveDesk
        supervisor={s.role === 'supervisor' || s.role === 'admin'}
        monitor_ids={(live.value ?? []).map((c) => c.id).slice(0, 10)}
      />
      <ConversationTable title="Conversations" items={conversations.value} />
      {(s.role === 'supervisor' || s.role === 'admin') && <ConversationTable title="Live conversations" items={live.value} />}
      {s.role === 'admin' && <Settings />}
    </>
  );
}

function App() {
  useEffect(() => {
    const tick = setInterval(() => (now.value = performance.now()), 1000);
    return () => clearInterval(tick);
  }, []);
  const s = session.value;
  return (
    <>
      <header class="top">
        <h1>Parley desk</h1>
        {current.value.kind === 'signed_in' && s && (
          <div class="who" aria-label="Signed in as">
            <span class="name">{s.name}</span>
            <span class="role">{role_label(s.role)}</span>
            <span class="tenant">{s.tenant_name}</span>
            <button type="button" onClick={() => void sign_out()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main>
        {current.value.kind === 'loading' && <p>Loading…</p>}
        <SignIn />
        <Desk />
        <p role="status" class="status">
          {status.value}
        </p>
      </main>
    </>
  );
}

const root = document.getElementById('desk');
if (root) {
  root.textContent = '';
  render(<App />, root);
  void start();
}
