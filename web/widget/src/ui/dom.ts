// Small DOM builders. Text only ever goes in through textContent / createTextNode and attributes
// through setAttribute with fixed names: nothing here parses HTML, so no string can become markup.

type attrs = Record<string, string | boolean | undefined>;
type child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: attrs = {}, children: child[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    // Event handler attributes and inline styles are never set from here (strict CSP, no injection).
    if (name.startsWith('on') || name === 'style') throw new Error(`dom.el: attribute ${name} is not allowed`);
    node.setAttribute(name, value === true ? '' : value);
  }
  append(node, children);
  return node;
}

export function append(parent: Node, children: child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

const svg_ns = 'http://www.w3.org/2000/svg';

/** Icons as fixed path data (24x24 viewBox), built with createElementNS; decorative (aria-hidden). */
const icon_paths = {
  chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z',
  close: 'M6 6l12 12M18 6L6 18',
  send: 'M3 20l18-8L3 4v6l12 2-12 2z',
  warn: 'M12 3l10 18H2zM12 10v5M12 18v.5',
} as const;

export function icon(name: keyof typeof icon_paths): SVGSVGElement {
  const svg = document.createElementNS(svg_ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon icon-${name}`);
  const path = document.createElementNS(svg_ns, 'path');
  path.setAttribute('d', icon_paths[name]);
  svg.appendChild(path);
  return svg;
}
