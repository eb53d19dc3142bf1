// The wire formats of the handshake (GetNewToken / RefreshToken) and of Direct Line 3.0, and their
// strict parsing into typed values at the edge: nothing past this file sees raw JSON from a server.
//
// Contract: every `parse_*` function returns a typed value or throws `http_error('bad_response')`;
// unknown fields are ignored, over-long strings and lists are cut to the limits below, activities
// that do not even have a type are dropped. Pure; never logs.

import { http_error } from './http';

export interface token_grant {
  token: string;
  conversation_id: string;
  user_id: string;
  expires_in_s: number;
  channel_url: string;
  /** Bound to the widget's key (DPoP): every use needs a proof, refresh happens at the channel. */
  bound: boolean;
}

export interface conversation_info {
  conversation_id: string;
  token: string | null;
  expires_in_s: number | null;
  stream_url: string | null;
}

export type card_action_type = 'imBack' | 'postBack' | 'messageBack';

export interface card_action {
  type: card_action_type;
  title: string;
  value: unknown;
  text: string | null;
  display_text: string | null;
}

export interface incoming_activity {
  type: string;
  id: string | null;
  timestamp: string | null;
  from_id: string | null;
  from_name: string | null;
  from_role: string | null;
  text: string | null;
  attachment_count: number;
  suggested_actions: card_action[];
  client_activity_id: string | null;
  /** A postBack: sent to the bot but not shown in the transcript (Web Chat does the same). */
  hidden: boolean;
  /** messageBack display text, shown instead of `text` for the user's own activity. */
  display_text: string | null;
  /** The channel's `parley.handoff` event (ADR 0021); null for every other activity. */
  handoff: handoff_event | null;
  /**
   * Set when the channel sent this in place of a stored message that failed its integrity check
   * (`channelData.parley.integrity`, docs/adr/0017-integrity-marker.md): its sequence number.
   */
  integrity_failed_seq: number | null;
}

/** Where a handoff to a consultant stands, as the channel tells the widget. */
export interface handoff_event {
  state: 'waiting' | 'accepted' | 'completed' | 'failed';
  /** accepted: the consultant's display name. */
  consultant: string | null;
  /** waiting: 1 = next; null when the desk does not know yet. */
  position: number | null;
  estimated_wait_seconds: number | null;
  /** A consultant passed the conversation on (waiting: to another queue; accepted: who took over). */
  transferred: boolean;
}

export interface activity_set {
  activities: incoming_activity[];
  /** Opaque; null when the server sent none (the previous one stays). */
  watermark: string | null;
}

const max_token_chars = 8192;
const max_id_chars = 256;
const max_text_chars = 40000;
const max_title_chars = 200;
const max_actions = 12;
const max_activities_per_set = 1000;

type json_object = Record<string, unknown>;

function bad(): never {
  throw new http_error('bad_response', 200);
}

function as_object(value: unknown): json_object | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as json_object) : null;
}

function required_string(obj: json_object, key: string, max: number): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) bad();
  return v;
}

function optional_string(obj: json_object | null, key: string, max: number): string | null {
  const v = obj?.[key];
  if (typeof v !== 'string' || v.length === 0) return null;
  return v.length > max ? v.slice(0, max) : v;
}

function http_url(value: string, schemes: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return bad();
  }
  if (!schemes.includes(url.protocol)) bad();
  return value;
}

function positive_seconds(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.min(v, 86400 * 7) : null;
}

/** The answer of `POST /api/token` and `POST /api/token/refresh`. */
export function parse_token_grant(body: unknown): token_grant {
  const obj = as_object(body) ?? bad();
  const expires_in_s = positive_seconds(obj['expiresIn']) ?? bad();
  return {
    token: required_string(obj, 'token', max_token_chars),
    conversation_id: required_string(obj, 'conversationId', max_id_chars),
    user_id: required_string(obj, 'userId', max_id_chars),
    expires_in_s,
    channel_url: http_url(required_string(obj, 'channelUrl', 2048), ['https:', 'http:']),
    bound: obj['tokenType'] === 'DPoP',
  };
}

/** The channel's answer to `POST {channelUrl}/tokens/refresh` for a bound token: the next token
 *  of the same session (the rest of the grant stays). */
export function parse_refreshed_grant(body: unknown, previous: token_grant): token_grant {
  const obj = as_object(body) ?? bad();
  return {
    ...previous,
    token: required_string(obj, 'token', max_token_chars),
    conversation_id: required_string(obj, 'conversationId', max_id_chars),
    expires_in_s: positive_seconds(obj['expires_in']) ?? bad(),
  };
}

/** The answer of `POST /conversations` and `GET /conversations/{id}`. */
export function parse_conversation(body: unknown, fallback_id: string): conversation_info {
  const obj = as_object(body) ?? bad();
  const stream_url = optional_string(obj, 'streamUrl', 12000);
  return {
    conversation_id: optional_string(obj, 'conversationId', max_id_chars) ?? fallback_id,
    token: optional_string(obj, 'token', max_token_chars),
    expires_in_s: positive_seconds(obj['expires_in']) ?? positive_seconds(obj['expiresIn']),
    stream_url: stream_url === null ? null : http_url(stream_url, ['wss:', 'ws:']),
  };
}

/** The answer of `POST /conversations/{id}/activities`: the id the channel gave the activity. */
export function parse_resource_id(body: unknown): string | null {
  return optional_string(as_object(body), 'id', max_id_chars);
}

/** An ActivitySet from a WebSocket frame or `GET .../activities`. */
export function parse_activity_set(body: unknown): activity_set {
  const obj = as_object(body) ?? bad();
  const list = obj['activities'];
  if (!Array.isArray(list)) bad();
  const activities: incoming_activity[] = [];
  for (const raw of list.slice(0, max_activities_per_set)) {
    const parsed = parse_activity(raw);
    if (parsed) activities.push(parsed);
  }
  const watermark = obj['watermark'];
  return {
    activities,
    watermark: typeof watermark === 'string' && watermark.length > 0 && watermark.length <= max_id_chars ? watermark : null,
  };
}

export function parse_activity(raw: unknown): incoming_activity | null {
  const obj = as_object(raw);
  const type = optional_string(obj, 'type', 64);
  if (!obj || !type) return null;
  const from = as_object(obj['from']);
  const channel_data = as_object(obj['channelData']);
  const message_back = as_object(channel_data?.['messageBack']);
  const attachments = obj['attachments'];
  return {
    type,
    id: optional_string(obj, 'id', max_id_chars),
    timestamp: optional_string(obj, 'timestamp', 64),
    from_id: optional_string(from, 'id', max_id_chars),
    from_name: optional_string(from, 'name', max_title_chars),
    from_role: optional_string(from, 'role', 32),
    text: optional_string(obj, 'text', max_text_chars),
    attachment_count: Array.isArray(attachments) ? attachments.length : 0,
    suggested_actions: parse_suggested_actions(obj['suggestedActions']),
    client_activity_id: optional_string(channel_data, 'clientActivityID', max_id_chars),
    hidden: channel_data?.['postBack'] === true,
    display_text: optional_string(message_back, 'displayText', max_text_chars),
    handoff: type === 'event' && obj['name'] === 'parley.handoff' ? parse_handoff(obj['value']) : null,
    integrity_failed_seq: parse_integrity(channel_data),
  };
}

const handoff_states = new Set(['waiting', 'accepted', 'completed', 'failed']);

function parse_handoff(raw: unknown): handoff_event | null {
  const value = as_object(raw);
  const state = value?.['state'];
  if (!value || typeof state !== 'string' || !handoff_states.has(state)) return null;
  const count = (key: string, max: number): number | null => {
    const n = value[key];
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max ? n : null;
  };
  return {
    state: state as handoff_event['state'],
    consultant: optional_string(as_object(value['consultant']), 'name', 64),
    position: count('position', 100000),
    estimated_wait_seconds: count('estimatedWaitSeconds', 86400),
    transferred: value['transferred'] === true,
  };
}

/** `channelData.parley.integrity = {status: "failed", seq: N}` from the channel; null otherwise. */
function parse_integrity(channel_data: json_object | null): number | null {
  const integrity = as_object(as_object(channel_data?.['parley'])?.['integrity']);
  if (!integrity || integrity['status'] !== 'failed') return null;
  const seq = integrity['seq'];
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

function parse_suggested_actions(raw: unknown): card_action[] {
  const actions = as_object(raw)?.['actions'];
  if (!Array.isArray(actions)) return [];
  const out: card_action[] = [];
  for (const item of actions.slice(0, max_actions)) {
    const obj = as_object(item);
    const type = obj?.['type'];
    if (!obj || (type !== 'imBack' && type !== 'postBack' && type !== 'messageBack')) continue;
    const value = obj['value'];
    const title = optional_string(obj, 'title', max_title_chars) ?? (typeof value === 'string' ? value.slice(0, max_title_chars) : null);
    if (!title) continue;
    out.push({
      type,
      title,
      value,
      text: optional_string(obj, 'text', max_text_chars),
      display_text: optional_string(obj, 'displayText', max_text_chars),
    });
  }
  return out;
}

/** What the widget posts: the fields Web Chat sends, minus the ones the channel fills in. */
export interface outgoing_activity {
  type: 'message';
  from: { id: string; role: 'user' };
  locale: string;
  localTimestamp: string;
  text?: string;
  value?: unknown;
  channelData: { clientActivityID: string; postBack?: true; messageBack?: { displayText?: string } };
}
