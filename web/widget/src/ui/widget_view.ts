// The widget's DOM inside a shadow root: launcher button, chat panel (header, transcript, typing
// indicator, suggested actions, notices, credential warning, composer) and a live region.
//
// Contract: `widget_view` renders what the session reports (it implements `session_view`) and
// forwards the user's actions to `chat_controls`. Text from the bot or the user is only ever
// inserted as text nodes (bot Markdown through markdown_dom.ts). Keyboard: the launcher is a
// button (Enter/Space), Escape closes the panel and returns focus to the launcher, Enter sends,
// Shift+Enter adds a line. Owns its host element; `destroy()` removes it. Main thread only.

import { detect_credentials, type credential_kind } from '../credentials';
import { never_ask, language_of, strings_for, type widget_strings } from '../i18n';
import { parse_markdown, type inline_node } from '../markdown';
import type { card_action, handoff_event } from '../protocol';
import type { notice_kind, session_status, session_view } from '../session';
import type { renewal_reason } from '../token_manager';
import type { transcript_entry } from '../transcript';
import { append, clear, el, icon } from './dom';
import { render_blocks } from './markdown_dom';
import { adopt_styles } from './styles';

export interface chat_controls {
  /** The panel was opened (first time: connect). */
  opened(): void;
  send_text(text: string): void;
  send_action(action: card_action): void;
  retry(client_id: string): void;
}

export interface view_options {
  title: string | null;
  locale: string;
  theme: 'light' | 'dark';
  position: 'bottom-right' | 'bottom-left';
  /** URL of parley-widget.css for browsers without constructable stylesheets. */
  fallback_css_url: string | null;
}

const max_live_messages = 3;
const max_input_chars = 4000;

export class widget_view implements session_view {
  readonly host: HTMLElement;
  private readonly root_: ShadowRoot;
  private readonly strings_: widget_strings;
  private readonly time_format_: Intl.DateTimeFormat;
  private readonly launcher_: HTMLButtonElement;
  private readonly launcher_label_: HTMLElement;
  private readonly panel_: HTMLElement;
  private readonly status_line_: HTMLElement;
  private readonly transcript_: HTMLOListElement;
  private readonly typing_: HTMLElement;
  private readonly handoff_: HTMLElement;
  private readonly suggestions_: HTMLElement;
  private readonly notice_: HTMLElement;
  private readonly banner_: HTMLElement;
  private readonly input_: HTMLTextAreaElement;
  private readonly send_: HTMLButtonElement;
  private readonly live_: HTMLElement;
  private readonly entries_ = new Map<string, HTMLElement>();
  private warning_: credential_kind[] = [];
  private controls_: chat_controls | null = null;

  constructor(private readonly options_: view_options) {
    this.strings_ = strings_for(options_.locale);
    this.time_format_ = new Intl.DateTimeFormat(options_.locale, { hour: '2-digit', minute: '2-digit' });
    const s = this.strings_;
    this.host = document.createElement('parley-widget');
    this.host.setAttribute('data-theme', options_.theme);
    this.host.setAttribute('data-position', options_.position);
    this.host.setAttribute('lang', options_.locale);
    this.root_ = this.host.attachShadow({ mode: 'open' });
    adopt_styles(this.root_, options_.fallback_css_url);

    const title = options_.title ?? s.default_title;
    this.launcher_label_ = el('span', {}, [s.open_chat]);
    this.launcher_ = el('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'parley-panel' }, [
      icon('chat'),
      this.launcher_label_,
    ]);
    this.status_line_ = el('p', { class: 'status', id: 'parley-status' });
    const close = el('button', { type: 'button', class: 'close', 'aria-label': s.close_chat }, [icon('close')]);
    this.transcript_ = el('ol', { class: 'transcript', 'aria-label': s.conversation_label, tabindex: '0' });
    this.typing_ = el('div', { class: 'typing', hidden: true });
    // "Finding a consultant…" and the wait: a status region of its own, apart from the log.
    this.handoff_ = el('div', { class: 'handoff', role: 'status', hidden: true });
    this.suggestions_ = el('div', { class: 'suggestions', role: 'group', 'aria-label': s.suggested_actions_label, hidden: true });
    this.notice_ = el('div', { class: 'notice', role: 'status', hidden: true });
    this.banner_ = el('div', { class: 'banner-slot', role: 'alert' });
    this.input_ = el('textarea', {
      id: 'parley-input',
      class: 'input',
      rows: '1',
      maxlength: String(max_input_chars),
      placeholder: s.input_placeholder,
      autocomplete: 'off',
      enterkeyhint: 'send',
    });
    this.send_ = el('button', { type: 'submit', class: 'send', 'aria-label': s.send, disabled: true }, [icon('send')]);
    const composer = el('form', { class: 'composer' }, [el('label', { class: 'sr-only', for: 'parley-input' }, [s.input_label]), this.input_, this.send_]);
    this.panel_ = el('section', { class: 'panel', id: 'parley-panel', role: 'dialog', 'aria-labelledby': 'parley-title', 'aria-describedby': 'parley-status', hidden: true }, [
      el('header', { class: 'header' }, [el('div', {}, [el('h2', { class: 'title', id: 'parley-title' }, [title]), this.status_line_]), close]),
      this.transcript_,
      this.handoff_,
      this.typing_,
      this.suggestions_,
      this.notice_,
      this.banner_,
      composer,
    ]);
    this.live_ = el('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-relevant': 'additions' });
    append(this.root_, [this.launcher_, this.panel_, this.live_]);

    this.launcher_.addEventListener('click', () => (this.is_open ? this.close() : this.open()));
    close.addEventListener('click', () => this.close());
    this.panel_.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.close();
      }
    });
    composer.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit(false);
    });
    this.input_.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.submit(false);
      }
    });
    this.input_.addEventListener('input', () => this.on_input());
  }

  /** Connects the view to the session (separate from construction: they reference each other). */
  bind(controls: chat_controls): void {
    this.controls_ = controls;
  }

  get is_open(): boolean {
    return !this.panel_.hidden;
  }

  open(): void {
    if (this.is_open) return;
    this.panel_.hidden = false;
    this.host.setAttribute('data-open', '');
    this.launcher_.setAttribute('aria-expanded', 'true');
    this.launcher_label_.textContent = this.strings_.close_chat;
    this.controls_?.opened();
    this.input_.focus();
    this.scroll_to_end();
  }

  close(): void {
    if (!this.is_open) return;
    this.panel_.hidden = true;
    this.host.removeAttribute('data-open');
    this.launcher_.setAttribute('aria-expanded', 'false');
    this.launcher_label_.textContent = this.strings_.open_chat;
    this.launcher_.focus();
  }

  destroy(): void {
    this.host.remove();
  }

  // --- session_view ---------------------------------------------------------------------------

  on_status(status: session_status): void {
    const s = this.strings_;
    const line = status === 'connecting' ? s.connecting : status === 'reconnecting' ? s.reconnecting : '';
    this.status_line_.textContent = line;
    if (status === 'unavailable' || status === 'forbidden') {
      this.show_notice(status === 'forbidden' ? s.forbidden : s.unavailable, status === 'unavailable');
    } else if (status === 'online') {
      this.hide_notice();
    }
  }

  on_entry_added(entry: transcript_entry): void {
    const node = this.render_entry(entry);
    this.entries_.set(entry.key, node);
    const near_end = this.is_near_end();
    this.transcript_.appendChild(node);
    if (entry.role === 'bot') this.announce(this.strings_.new_message(entry.from_name ?? this.strings_.bot_name, plain_text(entry)));
    if (entry.role === 'integrity') this.announce(this.strings_.integrity_failed);
    if (near_end || entry.role === 'user') this.scroll_to_end();
  }

  on_entry_updated(entry: transcript_entry): void {
    const old = this.entries_.get(entry.key);
    if (!old) return;
    const had_focus = this.root_.activeElement !== null && old.contains(this.root_.activeElement);
    const node = this.render_entry(entry);
    old.replaceWith(node);
    this.entries_.set(entry.key, node);
    if (had_focus) this.input_.focus();
  }

  on_typing(active: boolean, name: string | null): void {
    const near_end = this.is_near_end();
    this.typing_.textContent = active ? this.strings_.typing(name ?? this.strings_.bot_name) : '';
    this.typing_.hidden = !active;
    if (near_end) this.scroll_to_end();
  }

  on_suggested_actions(actions: card_action[]): void {
    const had_focus = this.root_.activeElement !== null && this.suggestions_.contains(this.root_.activeElement);
    // Measured before the row appears: the row takes height from the transcript, so an answer
    // scrolled to the end would lose its last lines and timestamp under it (issue 19).
    const near_end = this.is_near_end();
    clear(this.suggestions_);
    for (const action of actions) {
      const button = el('button', { type: 'button', class: 'suggestion' }, [action.title]);
      button.addEventListener('click', () => {
        this.controls_?.send_action(action);
        this.input_.focus();
      });
      this.suggestions_.appendChild(button);
    }
    this.suggestions_.hidden = actions.length === 0;
    if (near_end) this.scroll_to_end();
    if (had_focus && actions.length === 0) this.input_.focus();
  }

  on_notice(kind: notice_kind, _reason: renewal_reason | null): void {
    if (kind === 'session_renewed') {
      const text = this.strings_.session_renewed;
      this.transcript_.appendChild(el('li', { class: 'divider', role: 'note' }, [text]));
      this.announce(text);
      this.scroll_to_end();
    } else {
      this.show_notice(this.strings_.action_failed, false);
    }
  }

  on_handoff(event: handoff_event): void {
    const s = this.strings_;
    const near_end = this.is_near_end();
    if (event.state === 'waiting') {
      if (event.transferred) {
        this.transcript_.appendChild(el('li', { class: 'divider handoff-step', role: 'note' }, [s.being_transferred]));
        this.announce(s.being_transferred);
      }
      const minutes = event.estimated_wait_seconds === null ? null : Math.max(1, Math.ceil(event.estimated_wait_seconds / 60));
      this.handoff_.textContent = s.finding_consultant(event.position, minutes);
      this.handoff_.hidden = false;
    } else {
      this.handoff_.textContent = '';
      this.handoff_.hidden = true;
      const text =
        event.state === 'accepted'
          ? (event.transferred ? s.consultant_took_over : s.consultant_joined)(event.consultant ?? s.consultant_name)
          : event.state === 'completed'
            ? s.assistant_back
            : s.no_consultant;
      this.transcript_.appendChild(el('li', { class: 'divider handoff-step', role: 'note' }, [text]));
      this.announce(text);
    }
    if (near_end) this.scroll_to_end();
  }

  // --- internals ------------------------------------------------------------------------------

  private render_entry(entry: transcript_entry): HTMLElement {
    const s = this.strings_;
    if (entry.role === 'integrity') {
      // A stored message failed its integrity check: shown in its place, never as the bot's words.
      return el('li', { class: 'entry integrity', role: 'note', 'data-key': entry.key, 'data-seq': String(entry.integrity_seq ?? 0) }, [
        el('div', { class: 'bubble' }, [s.integrity_failed]),
        el('div', { class: 'meta' }, [this.render_time(entry.timestamp)]),
      ]);
    }
    const bubble = el('div', { class: 'bubble' });
    if (entry.markdown) bubble.appendChild(render_blocks(parse_markdown(entry.text)));
    else bubble.textContent = entry.text;
    if (entry.attachment_count > 0) bubble.appendChild(el('p', { class: 'unsupported' }, [el('em', {}, [s.unsupported_content])]));
    const meta = el('div', { class: 'meta' }, [this.render_time(entry.timestamp)]);
    if (entry.state === 'pending') meta.appendChild(el('span', { class: 'state-pending' }, [s.sending]));
    else if (entry.state === 'sent') meta.appendChild(el('span', { class: 'state-sent' }, [s.sent]));
    else if (entry.state === 'failed') {
      const retry = el('button', { type: 'button', class: 'retry' }, [s.retry]);
      retry.addEventListener('click', () => this.controls_?.retry(entry.key));
      append(meta, [el('span', { class: 'state-failed' }, [s.failed]), retry]);
    }
    const who = entry.role === 'user' ? s.you : entry.from_name ?? s.bot_name;
    // A consultant is named on screen (the assistant and the user only for screen readers).
    const sender = entry.consultant
      ? el('span', { class: 'sender' }, [s.consultant_sender(entry.from_name ?? s.consultant_name)])
      : el('span', { class: 'sr-only' }, [`${who}: `]);
    return el('li', { class: `entry ${entry.role}${entry.state === 'failed' ? ' failed' : ''}`, 'data-key': entry.key }, [
      sender,
      bubble,
      meta,
    ]);
  }

  private render_time(iso: string): HTMLElement {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return el('span');
    return el('time', { datetime: date.toISOString() }, [this.time_format_.format(date)]);
  }

  private on_input(): void {
    const text = this.input_.value;
    this.send_.disabled = text.trim() === '';
    const kinds = detect_credentials(text);
    if (kinds.join() !== this.warning_.join()) {
      this.warning_ = kinds;
      this.render_banner();
    }
  }

  private render_banner(): void {
    clear(this.banner_);
    this.banner_.className = 'banner-slot';
    if (this.warning_.length === 0) return;
    const s = this.strings_;
    const lines = this.warning_.map((k) => (k === 'card' ? s.warn_card : k === 'password' ? s.warn_password : s.warn_pin));
    const send_anyway = el('button', { type: 'button', class: 'send-anyway' }, [s.send_anyway]);
    send_anyway.addEventListener('click', () => this.submit(true));
    this.banner_.className = 'banner-slot banner';
    append(this.banner_, [
      el('p', { class: 'banner-title' }, [icon('warn'), s.warn_title]),
      el('p', {}, [`${lines.join(' ')} ${never_ask[language_of(this.options_.locale)]}`]),
      el('div', { class: 'banner-actions' }, [send_anyway]),
    ]);
  }

  private submit(confirmed: boolean): void {
    const text = this.input_.value.trim();
    if (text === '') return;
    if (this.warning_.length > 0 && !confirmed) {
      // Stop here: the warning is on screen and the user must choose to send anyway.
      this.banner_.querySelector<HTMLButtonElement>('.send-anyway')?.focus();
      return;
    }
    this.controls_?.send_text(text);
    this.input_.value = '';
    this.on_input();
    this.input_.focus();
  }

  private show_notice(text: string, with_retry: boolean): void {
    clear(this.notice_);
    this.notice_.appendChild(document.createTextNode(text));
    if (with_retry) {
      const again = el('button', { type: 'button' }, [this.strings_.try_again]);
      again.addEventListener('click', () => {
        this.hide_notice();
        this.controls_?.opened();
        this.input_.focus();
      });
      this.notice_.appendChild(again);
    }
    this.notice_.hidden = false;
  }

  private hide_notice(): void {
    clear(this.notice_);
    this.notice_.hidden = true;
  }

  private announce(text: string): void {
    this.live_.appendChild(el('p', {}, [text]));
    while (this.live_.childElementCount > max_live_messages) this.live_.firstElementChild?.remove();
  }

  private is_near_end(): boolean {
    const t = this.transcript_;
    return t.scrollHeight - t.scrollTop - t.clientHeight < 80;
  }

  private scroll_to_end(): void {
    this.transcript_.scrollTop = this.transcript_.scrollHeight;
  }
}

/** The words of a message without Markdown markers, for the screen-reader announcement. */
function plain_text(entry: transcript_entry): string {
  if (!entry.markdown) return entry.text;
  const parts: string[] = [];
  for (const block of parse_markdown(entry.text)) {
    const lines = block.kind === 'paragraph' ? [block.children] : block.items;
    for (const line of lines) parts.push(inline_text(line));
  }
  return parts.join(' ').slice(0, 500);
}

function inline_text(nodes: inline_node[]): string {
  return nodes.map((n) => (n.kind === 'text' ? n.text : n.kind === 'break' ? ' ' : inline_text(n.children))).join('');
}
