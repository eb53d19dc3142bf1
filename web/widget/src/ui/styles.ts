// Puts the widget's CSS into its shadow root without any inline <style> or style attribute, so
// that it works under `style-src 'self'`: a constructable stylesheet (adoptedStyleSheets; CSSOM,
// not governed by CSP) where supported, else a <link> to parley-widget.css next to the script
// (same origin as the script, so the host page's CSP already allows it).

import css from './styles.css';
import { el } from './dom';

export function adopt_styles(root: ShadowRoot, fallback_css_url: string | null): void {
  const supported = 'adoptedStyleSheets' in Document.prototype && 'replaceSync' in CSSStyleSheet.prototype;
  if (supported) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else if (fallback_css_url) {
    root.appendChild(el('link', { rel: 'stylesheet', href: fallback_css_url }));
  }
}
