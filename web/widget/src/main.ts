// Entry point of parley-widget.js. Reads the configuration from the <script> tag's data attributes,
// mounts the widget in a shadow root at the end of <body>, and exposes a small API for the host
// page as `window.ParleyWidget`:
//   open(), close()                     open or close the chat panel
//   set_user_assertion(value | fn)      the host page's signed assertion about its logged-in user,
//                                       sent as `userAssertion` with the next handshake(s)
// Nothing is stored in the browser: the token lives in memory and dies with the page.

import { parse_options, type widget_options } from './options';
import { browser_runtime } from './runtime';
import { chat_session } from './session';
import { default_stream_options } from './stream';
import { default_token_policy } from './token_manager';
import { widget_view } from './ui/widget_view';

type assertion_source = string | null | (() => Promise<string | null> | string | null);

export interface parley_widget_api {
  readonly version: string;
  open(): void;
  close(): void;
  set_user_assertion(source: assertion_source): void;
}

declare global {
  interface Window {
    ParleyWidget?: parley_widget_api;
  }
}

declare const __PARLEY_WIDGET_VERSION__: string;

function find_script(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  return document.querySelector<HTMLScriptElement>('script[src*="parley-widget"]');
}

/** 128 bits from the browser's CSPRNG, hex: unguessable clientActivityIDs. */
function random_id(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function mount(script: HTMLScriptElement | null, options: widget_options): parley_widget_api {
  const runtime = browser_runtime();
  let assertion: assertion_source = options.user_assertion;
  const view = new widget_view({
    title: options.title,
    locale: options.locale,
    theme: options.theme,
    position: options.position,
    fallback_css_url: script?.src ? new URL('parley-widget.css', script.src).href : null,
  });
  const session = new chat_session(
    {
      timers: runtime.timers,
      fetch: runtime.fetch,
      open_socket: runtime.open_socket,
      bot_url: options.bot_url,
      locale: options.locale,
      assertion: () => (typeof assertion === 'function' ? assertion() : assertion),
      new_client_id: random_id,
      token_policy: { ...default_token_policy, lifetime_cap_s: options.token_lifetime_cap_s },
      stream_options: { ...default_stream_options, mode: options.transport },
      // A secure context has WebCrypto: the widget proves a key and gets sender-constrained tokens.
      subtle: window.isSecureContext && window.crypto?.subtle ? window.crypto.subtle : null,
      random_bytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    },
    view,
  );
  view.bind({
    // The handshake happens on the first open, not on page load: most visitors never chat, and a
    // bank's page should not mint tokens, start conversations or spend rate limit for them.
    opened: () => void session.open(),
    send_text: (text) => session.send_text(text),
    send_action: (action) => session.send_action(action),
    retry: (id) => session.retry(id),
  });
  const resume = () => {
    if (document.visibilityState === 'visible') session.resume();
  };
  document.addEventListener('visibilitychange', resume);
  window.addEventListener('online', resume);
  document.body.appendChild(view.host);
  if (options.open_on_load) view.open();
  return {
    version: __PARLEY_WIDGET_VERSION__,
    open: () => view.open(),
    close: () => view.close(),
    set_user_assertion: (source) => {
      assertion = source;
    },
  };
}

function boot(): void {
  if (window.ParleyWidget) return; // loaded twice: keep the first
  const script = find_script();
  const page_lang = document.documentElement.getAttribute('lang');
  const parsed = parse_options({ ...(script?.dataset ?? {}) }, window.location.origin, page_lang);
  if (!parsed.ok) {
    console.error(`parley-widget: configuration error: ${parsed.error}`);
    return;
  }
  const start = () => {
    window.ParleyWidget = mount(script, parsed.options);
    document.dispatchEvent(new CustomEvent('parley-widget-ready'));
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}

boot();
