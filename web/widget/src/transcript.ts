// The conversation as the user sees it: an ordered list of messages with their send state.
//
// Contract:
// - `add_local` records a message the user is sending (state 'pending'), keyed by its
//   clientActivityID; `mark_sent` / `mark_failed` move it on; `mark_pending` is used by a retry.
// - `ingest` takes every activity from the channel. Activities already seen (same `id`) are
//   dropped, so a replay after a reconnect never shows a message twice. The echo of the user's own
//   activity (same `channelData.clientActivityID`) updates the local entry instead of adding one.
//   Only `message` activities become entries; postBacks stay hidden. An integrity marker (a stored
//   message that failed its integrity check, sent by the channel in its place) becomes an entry
//   of role 'integrity' whatever its text: the view shows it as a warning, not as a bot message.
// - Pure data, no DOM; single-threaded.

import type { incoming_activity } from './protocol';

export type send_state = 'pending' | 'sent' | 'failed';

export interface transcript_entry {
  /** Stable key for the view: the clientActivityID for the user's messages, else the activity id. */
  key: string;
  role: 'user' | 'bot' | 'integrity';
  text: string;
  /** Bot messages are Markdown; the user's own text is shown verbatim. */
  markdown: boolean;
  attachment_count: number;
  /** ISO 8601, from the channel when known, else the local send time. */
  timestamp: string;
  from_name: string | null;
  /** Only for the user's messages. */
  state: send_state | null;
  activity_id: string | null;
  /** Integrity markers: the sequence number of the message that failed its check. */
  integrity_seq?: number;
  /** A consultant's message (from.id "consultant", ADR 0021): the view names the sender visibly. */
  consultant?: boolean;
}

export type ingest_result =
  | { kind: 'added'; entry: transcript_entry }
  | { kind: 'updated'; entry: transcript_entry }
  | { kind: 'ignored' };

/** How many activity ids are remembered for de-duplication. */
const max_remembered_ids = 5000;

export class transcript {
  private readonly entries_: transcript_entry[] = [];
  private readonly by_client_id_ = new Map<string, transcript_entry>();
  private readonly seen_ids_ = new Set<string>();

  constructor(private user_id_: string) {}

  get entries(): readonly transcript_entry[] {
    return this.entries_;
  }

  /** A new conversation (renewal): ids of the old one no longer matter; entries stay visible. */
  reset_for_conversation(user_id: string): void {
    this.user_id_ = user_id;
    this.seen_ids_.clear();
  }

  add_local(client_id: string, text: string, timestamp: string): transcript_entry {
    const entry: transcript_entry = {
      key: client_id,
      role: 'user',
      text,
      markdown: false,
      attachment_count: 0,
      timestamp,
      from_name: null,
      state: 'pending',
      activity_id: null,
    };
    this.entries_.push(entry);
    this.by_client_id_.set(client_id, entry);
    return entry;
  }

  /** Records a client id that has no visible entry (a postBack), so its echo is not shown. */
  add_hidden(client_id: string): void {
    this.by_client_id_.set(client_id, { key: client_id, role: 'user', text: '', markdown: false, attachment_count: 0, timestamp: '', from_name: null, state: 'pending', activity_id: null });
  }

  entry_for(client_id: string): transcript_entry | undefined {
    return this.by_client_id_.get(client_id);
  }

  mark_pending(client_id: string): transcript_entry | undefined {
    return this.set_state(client_id, 'pending');
  }

  mark_failed(client_id: string): transcript_entry | undefined {
    const entry = this.by_client_id_.get(client_id);
    // An echo may have arrived before the POST failed (e.g. a timeout after the bot got it).
    if (!entry || entry.state === 'sent') return undefined;
    return this.set_state(client_id, 'failed');
  }

  mark_sent(client_id: string, activity_id: string | null): transcript_entry | undefined {
    const entry = this.by_client_id_.get(client_id);
    if (!entry) return undefined;
    if (activity_id) {
      entry.activity_id = activity_id;
      this.remember(activity_id);
    }
    return this.set_state(client_id, 'sent');
  }

  ingest(activity: incoming_activity): ingest_result {
    if (activity.id !== null) {
      if (this.seen_ids_.has(activity.id)) return this.match_echo(activity) ?? { kind: 'ignored' };
      this.remember(activity.id);
    }
    const echo = this.match_echo(activity);
    if (echo) return echo;
    if (activity.integrity_failed_seq !== null) {
      const marker: transcript_entry = {
        key: activity.id ?? `integrity-${this.entries_.length}`,
        role: 'integrity',
        text: '',
        markdown: false,
        attachment_count: 0,
        timestamp: activity.timestamp ?? new Date().toISOString(),
        from_name: null,
        state: null,
        activity_id: activity.id,
        integrity_seq: activity.integrity_failed_seq,
      };
      this.entries_.push(marker);
      return { kind: 'added', entry: marker };
    }
    if (activity.type !== 'message' || activity.hidden) return { kind: 'ignored' };
    const text = activity.display_text ?? activity.text ?? '';
    if (text === '' && activity.attachment_count === 0) return { kind: 'ignored' };
    const is_user = activity.from_role === 'user' || (activity.from_role === null && activity.from_id === this.user_id_);
    const entry: transcript_entry = {
      key: activity.id ?? `anon-${this.entries_.length}`,
      role: is_user ? 'user' : 'bot',
      text,
      markdown: !is_user,
      attachment_count: activity.attachment_count,
      timestamp: activity.timestamp ?? new Date().toISOString(),
      from_name: activity.from_name,
      state: is_user ? 'sent' : null,
      activity_id: activity.id,
      consultant: !is_user && activity.from_id === 'consultant',
    };
    this.entries_.push(entry);
    return { kind: 'added', entry };
  }

  /** The echo of one of our own sends: confirm it (once) and take the channel's id and time. */
  private match_echo(activity: incoming_activity): ingest_result | null {
    if (activity.client_activity_id === null) return null;
    const entry = this.by_client_id_.get(activity.client_activity_id);
    if (!entry) return null;
    if (entry.state === 'sent' && entry.activity_id !== null) return { kind: 'ignored' };
    entry.state = 'sent';
    entry.activity_id = activity.id;
    if (activity.timestamp) entry.timestamp = activity.timestamp;
    return { kind: 'updated', entry };
  }

  private set_state(client_id: string, state: send_state): transcript_entry | undefined {
    const entry = this.by_client_id_.get(client_id);
    if (!entry) return undefined;
    entry.state = state;
    return entry;
  }

  private remember(id: string): void {
    if (this.seen_ids_.size >= max_remembered_ids) {
      const oldest = this.seen_ids_.values().next().value;
      if (oldest !== undefined) this.seen_ids_.delete(oldest);
    }
    this.seen_ids_.add(id);
  }
}
