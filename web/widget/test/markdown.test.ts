import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse_markdown, safe_link_href, type block_node, type inline_node } from '../src/markdown';

/** Serialises the tree compactly, so expectations read like the input. */
function show(blocks: block_node[]): string {
  const inline = (nodes: inline_node[]): string =>
    nodes
      .map((n) => {
        switch (n.kind) {
          case 'text':
            return JSON.stringify(n.text);
          case 'break':
            return 'br';
          case 'strong':
            return `strong(${inline(n.children)})`;
          case 'em':
            return `em(${inline(n.children)})`;
          case 'link':
            return `link[${n.href}](${inline(n.children)})`;
        }
      })
      .join(' ');
  return blocks
    .map((b) => (b.kind === 'paragraph' ? `p(${inline(b.children)})` : `${b.ordered ? `ol@${b.start}` : 'ul'}(${b.items.map((i) => `li(${inline(i)})`).join(' ')})`))
    .join(' ');
}

const all_text = (blocks: block_node[]): string => {
  const walk = (nodes: inline_node[]): string => nodes.map((n) => (n.kind === 'text' ? n.text : n.kind === 'break' ? '\n' : walk(n.children))).join('');
  return blocks.map((b) => (b.kind === 'paragraph' ? walk(b.children) : b.items.map(walk).join('\n'))).join('\n');
};

test('plain text is one paragraph; single newlines are line breaks', () => {
  assert.equal(show(parse_markdown('Hello\nworld')), 'p("Hello" br "world")');
  assert.equal(show(parse_markdown('one\n\ntwo')), 'p("one") p("two")');
});

test('HTML is never interpreted: tags stay literal text', () => {
  for (const payload of [
    '<img src=x onerror=alert(1)>',
    '<script>alert(1)</script>',
    '<a href="javascript:alert(1)">x</a>',
    '<svg onload=alert(1)>',
    '"><iframe src=//evil>',
  ]) {
    const blocks = parse_markdown(payload);
    assert.equal(blocks.length, 1);
    assert.equal(all_text(blocks), payload, payload);
    assert.ok(!show(blocks).includes('link['), payload);
  }
});

test('javascript:, data:, vbscript: and relative links lose the link but keep the words', () => {
  for (const href of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:msgbox(1)', '/relative', '//evil.example/x', 'java\tscript:alert(1)', ' javascript:alert(1)']) {
    const blocks = parse_markdown(`[click me](${href})`);
    assert.equal(show(blocks), 'p("click me")', href);
  }
});

test('http, https, mailto and tel links are kept, normalised', () => {
  assert.equal(show(parse_markdown('[Rates](https://bank.example/rates)')), 'p(link[https://bank.example/rates]("Rates"))');
  assert.equal(show(parse_markdown('[Mail](mailto:help@bank.example)')), 'p(link[mailto:help@bank.example]("Mail"))');
  assert.equal(show(parse_markdown('[Call](tel:+4930123456)')), 'p(link[tel:+4930123456]("Call"))');
  assert.equal(show(parse_markdown('[Old](HTTP://Bank.Example)')), 'p(link[http://bank.example/]("Old"))');
});

test('bare URLs become links without trailing punctuation', () => {
  assert.equal(show(parse_markdown('See https://bank.example/faq.')), 'p("See " link[https://bank.example/faq]("https://bank.example/faq") ".")');
  assert.equal(show(parse_markdown('nohttps://x')), 'p("nohttps://x")');
});

test('bold, italic and their nesting', () => {
  assert.equal(show(parse_markdown('**bold** and *italic*')), 'p(strong("bold") " and " em("italic"))');
  assert.equal(show(parse_markdown('__bold__ _italic_')), 'p(strong("bold") " " em("italic"))');
  assert.equal(show(parse_markdown('**bold _italic_ bold**')), 'p(strong("bold " em("italic") " bold"))');
  assert.equal(show(parse_markdown('*it **bold** it*')), 'p(em("it " strong("bold") " it"))');
  assert.equal(show(parse_markdown('***both***')), 'p(strong(em("both")))');
  assert.equal(show(parse_markdown('*a **b***')), 'p(em("a " strong("b")))');
  assert.equal(show(parse_markdown('**[Rates](https://bank.example)**')), 'p(strong(link[https://bank.example/]("Rates")))');
});

test('unbalanced and intra-word delimiters stay literal', () => {
  assert.equal(show(parse_markdown('2 * 3 = 6')), 'p("2 * 3 = 6")');
  assert.equal(show(parse_markdown('**not closed')), 'p("**not closed")');
  assert.equal(show(parse_markdown('snake_case_name')), 'p("snake_case_name")');
  assert.equal(show(parse_markdown('\\*escaped\\*')), 'p("*escaped*")');
});

test('bullet and numbered lists', () => {
  assert.equal(show(parse_markdown('Options:\n- one\n- **two**\n* three')), 'p("Options:") ul(li("one") li(strong("two")) li("three"))');
  assert.equal(show(parse_markdown('1. first\n2) second')), 'ol@1(li("first") li("second"))');
  assert.equal(show(parse_markdown('3. three\n4. four')), 'ol@3(li("three") li("four"))');
  assert.equal(show(parse_markdown('- a\n1. b')), 'ul(li("a")) ol@1(li("b"))');
  assert.equal(show(parse_markdown('- item\n  continued')), 'ul(li("item continued"))');
});

test('deep nesting and huge input are bounded, never thrown', () => {
  const deep = '*'.repeat(200) + 'x' + '*'.repeat(200);
  assert.doesNotThrow(() => parse_markdown(deep));
  const brackets = '['.repeat(5000) + 'x' + ']'.repeat(5000);
  assert.doesNotThrow(() => parse_markdown(brackets));
  const big = 'a'.repeat(100000);
  const text = all_text(parse_markdown(big));
  assert.ok(text.length <= 20001);
  assert.ok(text.endsWith('…'));
  assert.deepEqual(parse_markdown(undefined as unknown as string), []);
});

test('safe_link_href', () => {
  assert.equal(safe_link_href('https://a.example/x?y=1'), 'https://a.example/x?y=1');
  assert.equal(safe_link_href('ftp://a.example'), null);
  assert.equal(safe_link_href('https://a.example/\u0000'), null);
  assert.equal(safe_link_href(''), null);
});
