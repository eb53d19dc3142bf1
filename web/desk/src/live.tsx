// The live desk (issue 19): the tenant's queue of handed-over conversations, taking one (another
// consultant may win: the desk says so), the conversation as a role="log" transcript with the
// assistant's part before the handoff, a composer (Enter sends; typing is signalled while the
// consultant writes), hand-back with a note and an intent to resume, and a supervisor's silent
// monitor. Typing and queue counts go to a separate status region. Events arrive over the desk's
// WebSocket ("queue.changed", "handoff.assigned", "conversation.activity", "conversation.ended").
// The consultant's availability (available / busy / away) is theirs to set; in a tenant with
// automatic assignment a conversation assigned to them opens by itself. The owner may transfer
// it to another queue or to an available colleague (the assistant does not answer in between).
import { useEffect, useRef } from 'preact/hooks';
import { signal } from '@preact/signals';
import { agent, availability, conversation_summary, desk_api, handoff, signed_out_error, take_refused, transcript_item } from './api';
import type { envelope } from './events';
import { CannedPicker, NoteAndExport, Search, open_picker } from './tools';

export interface line {
  key: string;
  who: string;
  role: string;
  text: string;
  integrity_failed: boolean;
}

const queue = signal<handoff[] | null>(null);
const my_availability = signal<availability | ''>('');
const open_id = signal<string | null>(null);
const open_mode = signal<'owner' | 'monitor'>('owner');
const lines = signal<line[]>([]);
const live_status = signal('');
const notice = signal('');
const colleagues = signal<agent[]>([]);
const closed = signal<string | null>(null);

let api_ref: desk_api | null = null;
let on_signed_out: (() => void) | null = null;
let last_typing = 0;

/** The transcript line of a stored or streamed activity (null for what is not shown). */
export function line_of(seq: number, type: string, activity: transcript_item['activity'] | undefined, integrity_failed = false): line | null {
  if (integrity_failed) {
    const text = `Message number ${seq} cannot be shown: it failed its integrity check (the store's marker). Do not rely on this transcript being complete.`;
    return { key: `s${seq}`, who: 'Warning', role: 'channel', text, integrity_failed: true };
  }
  if (type === 'handoff' && activity?.name === 'parley.note' && typeof activity.text === 'string') {
    // A consultant's private note (the channel never delivers this record type to the customer).
    return { key: `s${seq}`, who: `Note by ${activity.from?.name ?? 'a consultant'}`, role: 'note', text: activity.text, integrity_failed: false };
  }
  if (type !== 'message' || !activity || typeof activity.text !== 'string' || activity.text === '') return null;
  const role = activity.from?.role ?? 'bot';
  const who = role === 'user' ? 'Customer' : activity.from?.name ?? (role === 'bot' ? 'Assistant' : role);
  return { key: `s${seq}`, who, role, text: plain(activity.text), integrity_failed: false };
}

/** How the conversation lists show a conversation's state: a queued one as waiting (with its wait). */
export function state_label(c: Pick<conversation_summary, 'state' | 'handoff'>): string {
  if (c.handoff?.status === 'waiting') return `waiting for a consultant (${Math.max(1, Math.round(c.handoff.waiting_s / 60))} min)`;
  if (c.handoff?.status === 'assigned') return `with ${c.handoff.owner_name ?? 'a consultant'}`;
  return c.state.replace(/_/g, ' ');
}

/** Where an owned conversation may go: the queues known here and the available colleagues. */
export function transfer_targets(agents: agent[], queues: string[]): { queues: string[]; consultants: agent[] } {
  const names = new Set(['general', ...queues]);
  for (const a of agents) for (const q of a.skills) names.add(q);
  return {
    queues: [...names].sort(),
    consultants: agents.filter((a) => !a.me && a.availability === 'available' && a.load < a.capacity),
  };
}

/** The assistant writes Markdown; the desk shows text: emphasis markers go, the words stay. */
export function plain(text: string): string {
  return text
    .replace(/\*\*(\S(?:[^*]*\S)?)\*\*/g, '$1')
    .replace(/(^|[^\w*])\*(\S(?:[^*]*\S)?)\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w_])__?(\S(?:[^_]*\S)?)__?(?![\w_])/g, '$1$2');
}

function failed(e: unknown): void {
  if (e instanceof signed_out_error) on_signed_out?.();
}

export async function load_queue(): Promise<void> {
  if (!api_ref) return;
  try {
    const view = await api_ref.handoffs();
    const q = view.handoffs;
    queue.value = q;
    my_availability.value = view.availability ?? '';
    closed.value = view.open === false ? `Closed: outside the opening hours (${view.hours ?? ''}). Customers are told at once and the assistant offers its alternatives.` : null;
    const waiting = q.filter((h) => h.status === 'waiting').length;
    live_status.value = `${waiting} waiting in the queue.`;
  } catch (e) {
    failed(e);
  }
}

async function open(id: string, mode: 'owner' | 'monitor'): Promise<void> {
  if (!api_ref) return;
  try {
    const t = mode === 'owner' ? await api_ref.transcript(id) : await api_ref.monitor(id);
    open_id.value = id;
    open_mode.value = mode;
    if (mode === 'owner') colleagues.value = await api_ref.agents().catch(() => []);
    lines.value = t.activities.map((a) => line_of(a.seq, a.type, a.activity, a.integrity === 'failed')).filter((l): l is line => l !== null);
  } catch (e) {
    failed(e);
    notice.value = 'The conversation could not be opened.';
  }
}

async function take(h: handoff): Promise<void> {
  if (!api_ref) return;
  try {
    await api_ref.take(h.conversation, h.version);
    notice.value = 'You joined the conversation.';
    await open(h.conversation, 'owner');
  } catch (e) {
    if (e instanceof take_refused) notice.value = 'Another consultant took this conversation first.';
    else failed(e);
  }
  await load_queue();
}

async function set_availability(state: availability): Promise<void> {
  if (!api_ref) return;
  try {
    await api_ref.set_availability(state);
    notice.value = state === 'available' ? 'You are available: conversations may be assigned to you.' : `You are ${state}.`;
  } catch (e) {
    failed(e);
    notice.value = 'Your availability could not be changed.';
  }
  await load_queue();
}

/** The desk's events (main.tsx hands every envelope here). */
export function on_event(e: envelope): void {
  if (e.type === 'queue.changed') {
    void load_queue();
    return;
  }
  if (e.type === 'handoff.assigned') {
    const id = (e.data as { conversation?: string }).conversation;
    if (typeof id === 'string' && open_id.value === null) {
      notice.value = 'A conversation was assigned to you.';
      void open(id, 'owner');
    }
    void load_queue();
    return;
  }
  const data = e.data as { conversation?: string; seq?: number; type?: string; activity?: transcript_item['activity'] };
  if (data.conversation !== open_id.value) return;
  if (e.type === 'conversation.activity' && typeof data.seq === 'number') {
    if (data.type === 'typing' && data.activity?.from?.role === 'user') {
      live_status.value = 'The customer is typing…';
      return;
    }
    const l = line_of(data.seq, data.type ?? '', data.activity);
    if (l && !lines.value.some((x) => x.key === l.key)) {
      lines.value = [...lines.value, l];
      if (l.role === 'user') live_status.value = '';
    }
  } else if (e.type === 'conversation.ended') {
    notice.value = 'The customer left the conversation.';
  }
}

export function init_live(api: desk_api, signed_out: () => void): void {
  api_ref = api;
  on_signed_out = signed_out;
  void load_queue();
}

function Queue() {
  const q = queue.value;
  return (
    <section aria-labelledby="queue-title" class="card">
      <h2 id="queue-title">Queue</h2>
      {closed.value && <p class="closed">{closed.value}</p>}
      <p class="availability">
        <label for="availability">Your availability</label>{' '}
        <select
          id="availability"
          value={my_availability.value}
          onChange={(e) => void set_availability((e.currentTarget as HTMLSelectElement).value as availability)}
        >
          {my_availability.value === '' && <option value="">not set</option>}
          <option value="available">available</option>
          <option value="busy">busy</option>
          <option value="away">away</option>
        </select>
      </p>
      {q === null ? (
        <p>Loading…</p>
      ) : q.length === 0 ? (
        <p>Nobody is waiting for a consultant.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Conversation</th>
              <th scope="col">Queue</th>
              <th scope="col">Reason</th>
              <th scope="col">Waiting</th>
              <th scope="col">Status</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {q.map((h) => (
              <tr key={h.conversation}>
                <td>
                  <code>{h.conversation}</code>
                </td>
                <td>{h.queue}</td>
                <td>{h.reason.replace(/_/g, ' ')}</td>
                <td>{Math.max(1, Math.round(h.waiting_s / 60))} min</td>
                <td>{h.status === 'waiting' ? 'waiting' : h.mine ? 'yours' : `with ${h.owner_name ?? 'a consultant'}`}</td>
                <td>
                  {h.status === 'waiting' ? (
                    <button type="button" onClick={() => void take(h)} aria-label={`Take conversation ${h.conversation}`}>
                      Take
                    </button>
                  ) : h.mine ? (
                    <button type="button" onClick={() => void open(h.conversation, 'owner')} aria-label={`Open conversation ${h.conversation}`}>
                      Open
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Conversation() {
  const id = open_id.value;
  const log = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const l = log.current;
    if (l) l.scrollTop = l.scrollHeight;
  }, [lines.value.length]);
  if (!id) return null;
  const owner = open_mode.value === 'owner';
  const send = async (e: Event) => {
    e.preventDefault();
    const text = input.current?.value.trim() ?? '';
    if (!text || !api_ref) return;
    try {
      await api_ref.send(id, text);
      if (input.current) input.current.value = '';
    } catch (err) {
      failed(err);
      notice.value = 'The message was not sent.';
    }
  };
  const typing = () => {
    const now = Date.now();
    if (!api_ref || now - last_typing < 3000) return;
    last_typing = now;
    void api_ref.typing(id).catch(failed);
  };
  const hand_back = async (e: Event) => {
    e.preventDefault();
    if (!api_ref) return;
    const form = e.currentTarget as HTMLFormElement;
    const note = (form.elements.namedItem('note') as HTMLInputElement).value;
    const intent = (form.elements.namedItem('intent') as HTMLSelectElement).value;
    try {
      await api_ref.hand_back(id, note, intent);
      notice.value = 'The conversation is back with the assistant.';
      open_id.value = null;
      lines.value = [];
      await load_queue();
    } catch (err) {
      failed(err);
      notice.value = 'The hand-back failed.';
    }
  };
  const transfer = async (e: Event) => {
    e.preventDefault();
    if (!api_ref) return;
    const form = e.currentTarget as HTMLFormElement;
    const to = (form.elements.namedItem('transfer-to') as HTMLSelectElement).value;
    const [kind, target] = [to.slice(0, to.indexOf(':')), to.slice(to.indexOf(':') + 1)];
    if (!target) return;
    try {
      await api_ref.transfer(id, kind === 'queue' ? { queue: target } : { consultant: target });
      notice.value = kind === 'queue' ? `The conversation was transferred to the queue ${target}.` : 'The conversation was transferred.';
      open_id.value = null;
      lines.value = [];
      await load_queue();
    } catch (err) {
      failed(err);
      notice.value = 'The transfer failed (the consultant may be full or away, or the conversation moved on).';
    }
  };
  const targets = transfer_targets(colleagues.value, (queue.value ?? []).map((h) => h.queue));
  return (
    <section aria-labelledby="conversation-title" class="card">
      <h2 id="conversation-title">
        {owner ? 'Conversation' : 'Monitoring (read-only)'} <code>{id}</code>
      </h2>
      <div ref={log} class="log" role="log" aria-live="polite" aria-label="Transcript" tabIndex={0}>
        <ol>
          {lines.value.map((l) => (
            <li key={l.key} class={`line ${l.role}${l.integrity_failed ? ' integrity' : ''}`}>
              <span class="who">{l.who}:</span> {l.text}
            </li>
          ))}
        </ol>
      </div>
      {owner && (
        <>
          <form class="composer" onSubmit={(e) => void send(e)}>
            <label for="reply">Reply to the customer</label>
            <textarea
              id="reply"
              ref={input}
              rows={2}
              maxLength={4000}
              onInput={typing}
              onKeyDown={(e) => {
                if (e.key === '/' && e.currentTarget.value === '' && api_ref) {
                  e.preventDefault();
                  void open_picker(api_ref);
                  return;
                }
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  (e.currentTarget.form as HTMLFormElement).requestSubmit();
                }
              }}
            />
            <button type="submit">Send</button>
          </form>
          <CannedPicker
            insert={(text) => {
              const i = input.current;
              if (!i) return;
              if (text) i.value = text;
              i.focus();
            }}
          />
          {api_ref && (
            <NoteAndExport
              api={api_ref}
              id={id}
              notice={(t) => (notice.value = t)}
              noted={(seq, text) => {
                const l = line_of(seq, 'handoff', { name: 'parley.note', text, from: { name: 'you' } });
                if (l && !lines.value.some((x) => x.key === l.key)) lines.value = [...lines.value, l];
              }}
            />
          )}
          <form class="hand-back" onSubmit={(e) => void hand_back(e)}>
            <label for="note">Note for the record (not shown to the customer)</label>
            <input id="note" name="note" maxLength={2000} />
            <label for="intent">The assistant continues with</label>
            <select id="intent" name="intent">
              <option value="">nothing in particular</option>
              <option value="opening_hours">opening hours</option>
              <option value="branches">branches</option>
              <option value="account_fees">account fees</option>
            </select>
            <button type="submit">Hand back to the assistant</button>
          </form>
          <form class="transfer" onSubmit={(e) => void transfer(e)}>
            <label for="transfer-to">Transfer to</label>
            <select id="transfer-to" name="transfer-to">
              <optgroup label="Queues">
                {targets.queues.map((q) => (
                  <option key={`q${q}`} value={`queue:${q}`}>
                    queue {q}
                  </option>
                ))}
              </optgroup>
              {targets.consultants.length > 0 && (
                <optgroup label="Consultants">
                  {targets.consultants.map((a) => (
                    <option key={`c${a.id}`} value={`consultant:${a.id}`}>
                      {a.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
            <button type="submit">Transfer</button>
          </form>
        </>
      )}
    </section>
  );
}

export function LiveDesk({ supervisor, monitor_ids }: { supervisor: boolean; monitor_ids: string[] }) {
  return (
    <>
      <p role="status" class="status live-status">
        {live_status.value}
      </p>
      {notice.value && (
        <p role="alert" class="notice">
          {notice.value}
        </p>
      )}
      <Queue />
      <Conversation />
      {api_ref && <Search api={api_ref} open={supervisor ? (id) => void open(id, 'monitor') : undefined} />}
      {supervisor && monitor_ids.length > 0 && (
        <section aria-labelledby="monitor-title" class="card">
          <h2 id="monitor-title">Watch a conversation</h2>
          <ul class="monitor">
            {monitor_ids.map((id) => (
              <li key={id}>
                <button type="button" onClick={() => void open(id, 'monitor')}>
                  Watch conversation <code>{id}</code>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
