// Test-only bundle (dist/test/parley-widget-fixture.js, never shipped): mounts the real widget view
// without any network and lets a browser test feed it Direct Line activities through the real
// parser, transcript and Markdown renderer, via `window.ParleyFixture` (called with
// page.evaluate, so the test page itself needs no inline script under its strict CSP).

import { parse_activity, type card_action } from '../protocol';
import type { notice_kind, session_status } from '../session';
import { transcript } from '../transcript';
import { widget_view } from '../ui/widget_view';

interface fixture_api {
  /** Every action the view forwarded, in order. */
  calls: Array<{ kind: string; value: unknown }>;
  ingest(raw: unknown[]): void;
  status(status: session_status): void;
  notice(kind: notice_kind): void;
  typing(active: boolean, name: string | null): void;
  open(): void;
}

declare global {
  interface Window {
    ParleyFixture?: fixture_api;
  }
}

const params = new URLSearchParams(window.location.search);
const view = new widget_view({
  title: params.get('title'),
  locale: params.get('locale') ?? 'en-US',
  theme: params.get('theme') === 'dark' ? 'dark' : 'light',
  position: 'bottom-right',
  fallback_css_url: null,
});
const model = new transcript(params.get('user') ?? 'dl_fixture_user');
const calls: fixture_api['calls'] = [];
let serial = 0;
view.bind({
  opened: () => calls.push({ kind: 'opened', value: null }),
  send_text: (text) => {
    calls.push({ kind: 'send_text', value: text });
    const id = `local-${++serial}`;
    view.on_entry_added(model.add_local(id, text, new Date().toISOString()));
  },
  send_action: (action: card_action) => {
    calls.push({ kind: 'send_action', value: action });
    view.on_suggested_actions([]);
  },
  retry: (id) => calls.push({ kind: 'retry', value: id }),
});
document.body.appendChild(view.host);

window.ParleyFixture = {
  calls,
  ingest(raw) {
    for (const item of raw) {
      const activity = parse_activity(item);
      if (!activity) continue;
      if (activity.handoff) {
        view.on_handoff(activity.handoff);
        continue;
      }
      const result = model.ingest(activity);
      if (result.kind === 'added') {
        view.on_entry_added(result.entry);
        if (result.entry.role === 'bot') view.on_suggested_actions(activity.suggested_actions);
      } else if (result.kind === 'updated') view.on_entry_updated(result.entry);
    }
  },
  status: (status) => view.on_status(status),
  notice: (kind) => view.on_notice(kind, null),
  typing: (active, name) => view.on_typing(active, name),
  open: () => view.open(),
};
document.dispatchEvent(new CustomEvent('parley-fixture-ready'));
