// Builds DOM nodes from the Markdown tree of ../markdown.ts. Only fixed element names are created;
// every piece of text is a text node; links get an href that markdown.ts already checked against
// the scheme allowlist, and always open in a new tab without opener or referrer.

import type { block_node, inline_node } from '../markdown';
import { el } from './dom';

export function render_blocks(blocks: block_node[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const block of blocks) {
    if (block.kind === 'paragraph') {
      fragment.appendChild(render_inline_into(el('p'), block.children));
    } else {
      const list = block.ordered ? el('ol', { start: block.start !== 1 ? String(block.start) : undefined }) : el('ul');
      for (const item of block.items) list.appendChild(render_inline_into(el('li'), item));
      fragment.appendChild(list);
    }
  }
  return fragment;
}

function render_inline_into<T extends HTMLElement>(parent: T, nodes: inline_node[]): T {
  for (const node of nodes) parent.appendChild(render_inline(node));
  return parent;
}

function render_inline(node: inline_node): Node {
  switch (node.kind) {
    case 'text':
      return document.createTextNode(node.text);
    case 'break':
      return el('br');
    case 'strong':
      return render_inline_into(el('strong'), node.children);
    case 'em':
      return render_inline_into(el('em'), node.children);
    case 'link':
      return render_inline_into(el('a', { href: node.href, target: '_blank', rel: 'noopener noreferrer', referrerpolicy: 'no-referrer' }), node.children);
  }
}
