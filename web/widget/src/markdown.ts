// A deliberately small Markdown subset for bot messages, parsed into a tree of plain data.
//
// Contract: `parse_markdown(text)` never throws and never interprets HTML: every character of the
// input ends up either as literal text in a `text` node or as one of the few recognised
// constructs (paragraphs, line breaks, bullet and numbered lists, **bold**, *italic*, links).
// Links survive only with an absolute http:, https:, mailto: or tel: URL; anything else
// (javascript:, data:, relative URLs...) is rendered as its label text. The DOM is built from this
// tree with textContent only (markdown_dom.ts), so no input can become markup.
// Pure and stateless; safe to call from anywhere.

export type inline_node =
  | { kind: 'text'; text: string }
  | { kind: 'strong'; children: inline_node[] }
  | { kind: 'em'; children: inline_node[] }
  | { kind: 'link'; href: string; children: inline_node[] }
  | { kind: 'break' };

export type block_node =
  | { kind: 'paragraph'; children: inline_node[] }
  | { kind: 'list'; ordered: boolean; start: number; items: inline_node[][] };

/** Longest input rendered; longer text is cut and marked with an ellipsis (bounded work per message). */
export const max_markdown_length = 20000;
/** Deepest nesting of emphasis and links; deeper delimiters stay literal text. */
const max_depth = 6;

const allowed_schemes = new Set(['http:', 'https:', 'mailto:', 'tel:']);

/** The URL to put in an href, or null when the scheme is not allowed or the URL is not absolute. */
export function safe_link_href(raw: string): string | null {
  const candidate = raw.trim();
  // Control characters and spaces inside a URL are a classic filter-evasion trick ("java\tscript:").
  if (candidate.length === 0 || candidate.length > 2048 || /[\u0000-\u0020\u007f-\u009f]/.test(candidate)) return null;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null; // relative or malformed: never resolved against the host page
  }
  if (!allowed_schemes.has(url.protocol)) return null;
  return url.href;
}

const bullet_re = /^\s{0,3}[-*+]\s+(.*)$/;
const ordered_re = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;

/** Parses `source` into blocks. Never throws. */
export function parse_markdown(source: string): block_node[] {
  let text = typeof source === 'string' ? source : '';
  if (text.length > max_markdown_length) text = text.slice(0, max_markdown_length) + '…';
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: block_node[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; start: number; items: string[] } | null = null;

  const flush_paragraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', children: parse_lines(paragraph) });
    paragraph = [];
  };
  const flush_list = () => {
    if (list) {
      blocks.push({ kind: 'list', ordered: list.ordered, start: list.start, items: list.items.map((item) => parse_inline(item, 0)) });
    }
    list = null;
  };

  for (const line of lines) {
    const bullet = bullet_re.exec(line);
    const ordered = bullet ? null : ordered_re.exec(line);
    if (bullet || ordered) {
      const is_ordered = ordered !== null;
      const content = bullet ? bullet[1]! : ordered![2]!;
      flush_paragraph();
      if (!list || list.ordered !== is_ordered) {
        flush_list();
        list = { ordered: is_ordered, start: ordered ? Number(ordered[1]) : 1, items: [] };
      }
      list.items.push(content);
    } else if (line.trim() === '') {
      flush_paragraph();
      flush_list();
    } else if (list && /^\s{2,}\S/.test(line)) {
      // An indented line continues the previous list item.
      list.items[list.items.length - 1] += ' ' + line.trim();
    } else {
      flush_list();
      paragraph.push(line);
    }
  }
  flush_paragraph();
  flush_list();
  return blocks;
}

function parse_lines(lines: string[]): inline_node[] {
  const out: inline_node[] = [];
  lines.forEach((line, index) => {
    if (index > 0) out.push({ kind: 'break' });
    out.push(...parse_inline(line, 0));
  });
  return merge_text(out);
}

/** Parses emphasis and links in one line of text. */
export function parse_inline(text: string, depth: number): inline_node[] {
  const out: inline_node[] = [];
  let literal = '';
  let i = 0;
  const emit_literal = () => {
    if (literal) out.push({ kind: 'text', text: literal });
    literal = '';
  };

  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length && /[\\`*_[\]()#+\-.!<>]/.test(text[i + 1]!)) {
      literal += text[i + 1];
      i += 2;
      continue;
    }
    if (depth < max_depth && (ch === '*' || ch === '_')) {
      const span = match_emphasis(text, i);
      if (span) {
        emit_literal();
        const children = parse_inline(text.slice(span.inner_start, span.inner_end), depth + 1);
        if (span.width === 1) out.push({ kind: 'em', children });
        else if (span.width === 2) out.push({ kind: 'strong', children });
        else out.push({ kind: 'strong', children: [{ kind: 'em', children }] });
        i = span.end;
        continue;
      }
    }
    if (depth < max_depth && ch === '[') {
      const link = match_link(text, i);
      if (link) {
        emit_literal();
        const children = parse_inline(link.label, depth + 1);
        const href = safe_link_href(link.url);
        if (href) out.push({ kind: 'link', href, children });
        else out.push(...children); // unsafe target: keep the words, drop the link
        i = link.end;
        continue;
      }
    }
    if ((ch === 'h' || ch === 'H') && (i === 0 || /[\s(]/.test(text[i - 1]!))) {
      const auto = match_autolink(text, i);
      if (auto) {
        emit_literal();
        out.push({ kind: 'link', href: auto.href, children: [{ kind: 'text', text: auto.text }] });
        i = auto.end;
        continue;
      }
    }
    literal += ch;
    i += 1;
  }
  emit_literal();
  return merge_text(out);
}

interface emphasis_span {
  /** 1 = italic, 2 = bold, 3 = bold italic. */
  width: number;
  inner_start: number;
  inner_end: number;
  end: number;
}

const is_word_char = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

function match_emphasis(text: string, at: number): emphasis_span | null {
  const ch = text[at]!;
  let width = 1;
  while (width < 3 && text[at + width] === ch) width += 1;
  const delimiter = ch.repeat(width);
  const inner_start = at + width;
  // An opener must be followed by a non-space; intra-word underscores (snake_case) are not emphasis.
  if (inner_start >= text.length || /\s/.test(text[inner_start]!)) return null;
  if (ch === '_' && is_word_char(text[at - 1])) return null;
  let search = inner_start;
  for (;;) {
    const close = text.indexOf(delimiter, search);
    if (close < 0) return null;
    let run = width;
    while (text[close + run] === ch) run += 1;
    const can_close = close > inner_start && !/\s/.test(text[close - 1]!) && !(ch === '_' && is_word_char(text[close + run]));
    if (can_close && run === width) return { width, inner_start, inner_end: close, end: close + run };
    // "*a **b***" / "**a *b***": the last `width` characters of a run of three close this span and
    // the rest closes the nested one.
    if (can_close && run === 3) return { width, inner_start, inner_end: close + run - width, end: close + run };
    search = close + run;
  }
}

function match_link(text: string, at: number): { label: string; url: string; end: number } | null {
  let depth = 0;
  let close = -1;
  for (let j = at; j < text.length; j += 1) {
    if (text[j] === '\\') {
      j += 1;
      continue;
    }
    if (text[j] === '[') depth += 1;
    else if (text[j] === ']') {
      depth -= 1;
      if (depth === 0) {
        close = j;
        break;
      }
    }
  }
  if (close < 0 || text[close + 1] !== '(') return null;
  // The destination ends at the first unbalanced ')', so "(https://x/a_(b))" keeps its parentheses.
  let parens = 0;
  for (let j = close + 2; j < text.length; j += 1) {
    const c = text[j];
    if (c === '(') parens += 1;
    else if (c === ')') {
      if (parens === 0) return { label: text.slice(at + 1, close), url: text.slice(close + 2, j), end: j + 1 };
      parens -= 1;
    }
  }
  return null;
}

function match_autolink(text: string, at: number): { href: string; text: string; end: number } | null {
  const m = /^https?:\/\/[^\s<>"]+/i.exec(text.slice(at, at + 2048));
  if (!m) return null;
  // Trailing punctuation belongs to the sentence, not the URL.
  const raw = m[0].replace(/[.,;:!?)\]'"]+$/, '');
  const href = safe_link_href(raw);
  if (!href) return null;
  return { href, text: raw, end: at + raw.length };
}

function merge_text(nodes: inline_node[]): inline_node[] {
  const out: inline_node[] = [];
  for (const node of nodes) {
    const last = out[out.length - 1];
    if (node.kind === 'text' && last && last.kind === 'text') last.text += node.text;
    else out.push(node);
  }
  return out;
}
