// The widget's configuration, read from the data attributes of its <script> tag (or passed to
// `ParleyWidget.init`). Strict: an invalid value is a configuration error reported on the console,
// not silently replaced — except the documented defaults for missing attributes.
//
//   data-bot-url         base URL of the bot web service (default: the page's origin)
//   data-title           panel title (default: "Chat with us", localised)
//   data-locale          BCP 47 locale sent to the bot and used for the UI (default: the page's <html lang>, else en-US)
//   data-theme           light | dark (default: light)
//   data-position        bottom-right | bottom-left (default: bottom-right)
//   data-transport       auto | websocket | polling (default: auto = WebSocket, polling after 3 failed opens)
//   data-token-lifetime  cap in seconds on the token lifetime used for refresh scheduling (tests), ≥ 10
//   data-user-assertion  a signed assertion of the host page's logged-in user, sent with the handshake
//   data-open            "true" to open the panel on load
//
// Pure; never throws.

import type { transport_mode } from './stream';

export interface widget_options {
  bot_url: string;
  title: string | null;
  locale: string;
  theme: 'light' | 'dark';
  position: 'bottom-right' | 'bottom-left';
  transport: transport_mode;
  token_lifetime_cap_s: number | null;
  user_assertion: string | null;
  open_on_load: boolean;
}

export type options_result = { ok: true; options: widget_options } | { ok: false; error: string };

type attributes = Record<string, string | undefined>;

function one_of<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, name: string, errors: string[]): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  errors.push(`${name} must be one of ${allowed.join(', ')}`);
  return fallback;
}

/** Absolute http(s) base URL without query, fragment or credentials, trailing slash removed. */
export function parse_bot_url(value: string | undefined, page_origin: string): string | null {
  const raw = value === undefined || value.trim() === '' ? page_origin : value.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) return null;
  return url.href.replace(/\/+$/, '');
}

export function parse_options(attrs: attributes, page_origin: string, page_lang: string | null): options_result {
  const errors: string[] = [];
  const bot_url = parse_bot_url(attrs['botUrl'], page_origin);
  if (bot_url === null) errors.push('data-bot-url must be an absolute http(s) URL without query or fragment');

  const locale_raw = attrs['locale'] || page_lang || 'en-US';
  let locale = 'en-US';
  try {
    locale = Intl.getCanonicalLocales(locale_raw)[0] ?? 'en-US';
  } catch {
    errors.push('data-locale must be a BCP 47 language tag');
  }

  let token_lifetime_cap_s: number | null = null;
  const cap = attrs['tokenLifetime'];
  if (cap !== undefined && cap !== '') {
    if (/^\d{1,6}$/.test(cap) && Number(cap) >= 10) token_lifetime_cap_s = Number(cap);
    else errors.push('data-token-lifetime must be a whole number of seconds, at least 10');
  }

  const title = attrs['title'] ? attrs['title'].slice(0, 80) : null;
  const assertion = attrs['userAssertion'];
  const options: widget_options = {
    bot_url: bot_url ?? '',
    title,
    locale,
    theme: one_of(attrs['theme'], ['light', 'dark'] as const, 'light', 'data-theme', errors),
    position: one_of(attrs['position'], ['bottom-right', 'bottom-left'] as const, 'bottom-right', 'data-position', errors),
    transport: one_of(attrs['transport'], ['auto', 'websocket', 'polling'] as const, 'auto', 'data-transport', errors),
    token_lifetime_cap_s,
    user_assertion: assertion ? assertion : null,
    open_on_load: one_of(attrs['open'], ['true', 'false'] as const, 'false', 'data-open', errors) === 'true',
  };
  return errors.length > 0 ? { ok: false, error: errors.join('; ') } : { ok: true, options };
}
