// The consultants' tools (issue 19, 4): canned responses ("/" in an empty composer opens a
// searchable list: type to filter, arrow keys to move, Enter to insert, Escape to close; keyboard
// only, active only while the composer has focus, so no global single-key shortcut), a private
// note on the open conversation, the export of its transcript (a JSON file the browser saves),
// and the search by conversation id, user pseudonym or time range.
import { useRef } from 'preact/hooks';
import { signal } from '@preact/signals';
import type { canned_response, desk_api, search_hit } from './api';

const canned = signal<canned_response[] | null>(null);
const picker_open = signal(false);
const picker_query = signal('');
const picker_index = signal(0);
const hits = signal<search_hit[] | null>(null);
const search_note = signal('');

/** The canned responses whose title or text holds every word of `query` (case-insensitive). */
export function filter_canned(all: canned_response[], query: string): canned_response[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return all.filter((c) => {
    const hay = `${c.title} ${c.text}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** Unix seconds of a datetime-local value ("" → undefined). */
export function unix_of(local: string): number | undefined {
  if (!local) return undefined;
  const t = new Date(local).getTime();
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

/** Opens the canned-response list (the composer's "/"); loads the tenant's list once. */
export async function open_picker(api: desk_api): Promise<void> {
  picker_query.value = '';
  picker_index.value = 0;
  picker_open.value = true;
  if (canned.value === null) canned.value = await api.canned().catch(() => []);
}

/** The list under the composer; `insert` puts the chosen text into the composer. */
export function CannedPicker({ insert }: { insert: (text: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  if (!picker_open.value) return null;
  const all = canned.value ?? [];
  const shown = filter_canned(all, picker_query.value);
  const index = Math.min(picker_index.value, Math.max(0, shown.length - 1));
  const close = (text?: string) => {
    picker_open.value = false;
    insert(text ?? '');
  };
  return (
    <div class="canned">
      <label for="canned-search">Canned responses: type to search, Enter inserts, Escape closes</label>
      <input
        id="canned-search"
        ref={(el) => {
          (input as { current: HTMLInputElement | null }).current = el;
          el?.focus();
        }}
        role="combobox"
        aria-expanded="true"
        aria-controls="canned-list"
        aria-activedescendant={shown.length > 0 ? `canned-${index}` : undefined}
        autoComplete="off"
        value={picker_query.value}
        onInput={(e) => {
          picker_query.value = (e.currentTarget as HTMLInputElement).value;
          picker_index.value = 0;
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            picker_index.value = Math.min(index + 1, shown.length - 1);
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            picker_index.value = Math.max(index - 1, 0);
          } else if (e.key === 'Enter') {
            e.preventDefault();
            close(shown[index]?.text);
          } else if (e.key === 'Escape') {
            e.preventDefault();
            close();
          }
        }}
      />
      <ul id="canned-list" role="listbox" aria-label="Canned responses">
        {canned.value === null ? (
          <li>Loading…</li>
        ) : shown.length === 0 ? (
          <li>No canned response matches.</li>
        ) : (
          shown.map((c, i) => (
            <li
              key={c.title}
              id={`canned-${i}`}
              role="option"
              aria-selected={i === index}
              class={i === index ? 'selected' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                close(c.text);
              }}
            >
              <strong>{c.title}</strong> {c.text}
            </li>
          ))
        )}
      </ul>
    </div>
  );
}

/** A private note (never shown to the customer) and the transcript's export. */
export function NoteAndExport({
  api,
  id,
  notice,
  noted,
}: {
  api: desk_api;
  id: string;
  notice: (text: string) => void;
  /** The saved note's place in the record (its seq) and text, for the transcript on screen. */
  noted: (seq: number, text: string) => void;
}) {
  const add_note = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('private-note') as HTMLInputElement;
    if (!input.value.trim()) return;
    try {
      const text = input.value.trim();
      const saved = await api.add_note(id, text);
      input.value = '';
      noted(saved.seq, text);
      notice('The note was saved (only the desk sees it).');
    } catch {
      notice('The note could not be saved.');
    }
  };
  const export_transcript = async () => {
    try {
      const blob = await api.export_transcript(id);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `transcript-${id}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      notice('The transcript was exported.');
    } catch {
      notice('The transcript could not be exported.');
    }
  };
  return (
    <div class="tools">
      <form class="note" onSubmit={(e) => void add_note(e)}>
        <label for="private-note">Private note (only the desk sees it)</label>
        <input id="private-note" name="private-note" maxLength={2000} />
        <button type="submit">Save note</button>
      </form>
      <button type="button" onClick={() => void export_transcript()}>
        Export transcript
      </button>
    </div>
  );
}

/** Search by conversation id or user pseudonym and/or the time of the last activity. */
export function Search({ api, open }: { api: desk_api; open?: (id: string) => void }) {
  const run = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const q = value('search-q');
    const from = unix_of(value('search-from'));
    const to = unix_of(value('search-to'));
    if (!q && from === undefined && to === undefined) {
      search_note.value = 'Give a conversation id, a user pseudonym or a time range.';
      return;
    }
    try {
      const r = await api.search({ q, from, to });
      hits.value = r.conversations;
      search_note.value = `${r.conversations.length} found${r.complete ? '' : ' (only the newest conversations were searched)'}.`;
    } catch {
      search_note.value = 'The search failed.';
    }
  };
  return (
    <section aria-labelledby="search-title" class="card">
      <h2 id="search-title">Search conversations</h2>
      <form class="search" onSubmit={(e) => void run(e)}>
        <div>
          <label for="search-q">Conversation id or user pseudonym</label>
          <input id="search-q" name="search-q" maxLength={128} />
        </div>
        <div>
          <label for="search-from">Active from</label>
          <input id="search-from" name="search-from" type="datetime-local" />
        </div>
        <div>
          <label for="search-to">Active until</label>
          <input id="search-to" name="search-to" type="datetime-local" />
        </div>
        <button type="submit">Search</button>
      </form>
      <p role="status" class="status">
        {search_note.value}
      </p>
      {hits.value && hits.value.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Conversation</th>
              <th scope="col">User</th>
              <th scope="col">State</th>
              <th scope="col">Last activity</th>
            </tr>
          </thead>
          <tbody>
            {hits.value.map((h) => (
              <tr key={h.id}>
                <td>
                  {open ? (
                    <button type="button" class="link" onClick={() => open(h.id)} aria-label={`Watch conversation ${h.id}`}>
                      <code>{h.id}</code>
                    </button>
                  ) : (
                    <code>{h.id}</code>
                  )}
                </td>
                <td>
                  <code>{h.user}</code>
                </td>
                <td>{h.state.replace(/_/g, ' ')}</td>
                <td>
                  <time dateTime={new Date(h.last_activity * 1000).toISOString()}>{new Date(h.last_activity * 1000).toLocaleString()}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
