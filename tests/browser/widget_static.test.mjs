// Browser tests that run without the Parley server: the real widget bundle on a static page under
// a strict CSP (script-src 'self'; style-src 'self'), and the real view/parser/renderer fed through
// the test-only fixture bundle. No fake Direct Line: the handshake simply gets a 404 here.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { here, launch, repo_root, screenshot, watch_page } from './lib/browser.mjs';
import { serve_static } from './lib/static_server.mjs';

const dist = join(repo_root, 'web', 'widget', 'dist');
const compat_dist = join(repo_root, 'web', 'webchat-compat', 'dist');
let server;
let browser;

before(async () => {
  if (!existsSync(join(dist, 'parley-widget.js')) || !existsSync(join(dist, 'test', 'parley-widget-fixture.js'))) {
    throw new Error('web/widget/dist is missing: run `npm run build` in web/widget (scripts/install-npm.sh does)');
  }
  if (!existsSync(join(compat_dist, 'webchat.js'))) throw new Error('web/webchat-compat/dist is missing: run `npm run build` there');
  server = await serve_static({
    '/widget/': dist,
    '/test/': join(dist, 'test'),
    '/webchat-compat/': { dir: compat_dist, csp: null }, // the page's own meta CSP applies
    '/': join(here, 'pages'),
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs `fn` inside the widget's shadow root. */
const in_shadow = (page, fn, arg) =>
  page.evaluate(
    ([source, a]) => {
      const root = document.querySelector('parley-widget')?.shadowRoot;
      // eslint-disable-next-line no-new-func -- test-side helper, runs in the test's browser only
      return new Function('root', 'arg', `return (${source})(root, arg);`)(root, a);
    },
    [fn.toString(), arg],
  );

const active_class = (page) => in_shadow(page, (root) => root.activeElement?.className ?? null);

async function fresh_page(path, viewport) {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const report = await open_page_on(page, `${server.origin}${path}`);
  return { page, report };
}

async function open_page_on(page, url) {
  const report = await watch_page(page);
  await page.goto(url);
  return report;
}

test('mounts in a shadow root under a strict CSP, styles adopted, no inline styles, no violations', async () => {
  const { page, report } = await fresh_page('/widget.html');
  await page.locator('parley-widget .launcher').waitFor();
  const info = await in_shadow(page, (root) => ({
    has_root: root !== null && root !== undefined,
    sheets: root.adoptedStyleSheets.length,
    style_attrs: root.querySelectorAll('[style]').length,
    style_elements: root.querySelectorAll('style').length,
    launcher_bg: getComputedStyle(root.querySelector('.launcher')).backgroundColor,
  }));
  assert.deepEqual(info, { has_root: true, sheets: 1, style_attrs: 0, style_elements: 0, launcher_bg: 'rgb(11, 87, 208)' });
  assert.equal(await page.evaluate(() => document.querySelectorAll('[style]').length), 0, 'nothing styled inline in the host page either');
  assert.equal(await page.evaluate(() => typeof window.ParleyWidget?.open), 'function');
  await screenshot(page, 'widget-closed');
  assert.deepEqual(await report.violations(), []);
  assert.deepEqual(report.page_errors, []);
});

test('keyboard: Tab reaches the launcher with a visible focus ring, Enter/Space open, Escape closes, focus order', async () => {
  const { page, report } = await fresh_page('/widget.html');
  await page.locator('parley-widget .launcher').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'first-link');
  await page.keyboard.press('Tab');
  assert.equal(await active_class(page), 'launcher');
  const ring = await in_shadow(page, (root) => {
    const s = getComputedStyle(root.activeElement);
    return `${s.outlineStyle} ${s.outlineWidth}`;
  });
  assert.equal(ring, 'solid 3px');
  await screenshot(page, 'widget-launcher-focus');

  await page.keyboard.press('Enter');
  assert.equal(await active_class(page), 'input', 'focus moves into the composer');
  assert.equal(await in_shadow(page, (root) => root.querySelector('.launcher').getAttribute('aria-expanded')), 'true');
  // No server here: the handshake gets a 404 and the widget says so, with a way to try again.
  await page.locator('parley-widget .notice button').waitFor();
  assert.match(await page.locator('parley-widget .notice').innerText(), /not available/);
  assert.ok(server.requests.some((r) => r.method === 'POST' && r.path === '/api/token'), 'the handshake went to the page origin');
  await screenshot(page, 'widget-open-unavailable');

  // Backwards through the panel: composer → notice button → transcript → close button → launcher.
  const order = [];
  for (let i = 0; i < 4; i += 1) {
    await page.keyboard.press('Shift+Tab');
    order.push(await active_class(page));
  }
  assert.deepEqual(order, ['', 'transcript', 'close', 'launcher']);

  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab'); // back into the panel (close button)
  assert.equal(await active_class(page), 'close');
  await page.keyboard.press('Escape');
  assert.equal(await in_shadow(page, (root) => root.querySelector('.panel').hidden), true);
  assert.equal(await active_class(page), 'launcher', 'focus returns to the launcher');
  await page.keyboard.press('Space');
  assert.equal(await in_shadow(page, (root) => root.querySelector('.panel').hidden), false);
  await page.keyboard.press('Escape');
  assert.deepEqual(await report.violations(), []);
  assert.deepEqual(report.page_errors, []);
  await page.close();
});

test('credential warning: shown while typing, Enter does not send, "Send anyway" is needed', async () => {
  const { page, report } = await fresh_page('/widget.html');
  await page.locator('parley-widget .launcher').click();
  const input = page.locator('parley-widget .input');
  await input.fill('my card is 4111 1111 1111 1111');
  const banner = page.locator('parley-widget .banner');
  await banner.waitFor();
  assert.match(await banner.innerText(), /card number/);
  assert.equal(await in_shadow(page, (root) => root.querySelector('.banner').getAttribute('role')), 'alert');
  await input.press('Enter');
  assert.equal(await input.inputValue(), 'my card is 4111 1111 1111 1111', 'not sent');
  assert.equal(await in_shadow(page, (root) => root.querySelectorAll('.entry').length), 0);
  assert.equal(await active_class(page), 'send-anyway');
  await screenshot(page, 'widget-credential-warning');

  await input.fill('Mein Passwort ist Sommer2024!');
  assert.match(await banner.innerText(), /password/);
  await input.fill('I forgot my password');
  assert.equal(await page.locator('parley-widget .banner').count(), 0, 'no warning for ordinary questions');
  await input.fill('PIN 1234');
  await page.locator('parley-widget .send-anyway').click();
  // Sent anyway: it shows in the transcript (and fails here, since there is no server).
  await page.locator('parley-widget .entry.user').waitFor();
  await page.locator('parley-widget .entry.user .retry').waitFor({ timeout: 30_000 });
  await screenshot(page, 'widget-send-failed');
  assert.deepEqual(await report.violations(), []);
  await page.close();
});

const xss_bot = '<img src=x onerror=alert(1)> <script>alert(2)</script> [click](javascript:alert(3)) [data](data:text/html,<script>alert(4)</script>) **<b>bold</b>** <a href="javascript:alert(5)">a</a>';
const xss_user = '<img src=x onerror=alert(6)><svg onload=alert(7)>';

async function fixture_page(query = '', viewport) {
  const { page, report } = await fresh_page(`/fixture.html${query}`, viewport);
  await page.emulateMedia({ reducedMotion: 'reduce' }); // no opening animation: stable geometry and screenshots
  await page.waitForFunction(() => window.ParleyFixture !== undefined);
  await page.evaluate(() => window.ParleyFixture.open());
  return { page, report };
}

const transcript_fixture = [
  {
    type: 'message',
    id: 'b1',
    timestamp: '2024-05-01T08:30:00Z',
    from: { id: 'bot', name: 'BankX Assistant', role: 'bot' },
    text: 'Welcome to **BankX**! I can help with:\n- your *balance* and **_recent_ payments**\n- [our rates](https://bankx.example/rates) or call [us](tel:+4930123456)\n\nSteps:\n1. log in\n2. ask',
  },
  { type: 'message', id: 'u1', timestamp: '2024-05-01T08:31:00Z', from: { id: 'dl_fixture_user', role: 'user' }, text: xss_user },
  { type: 'message', id: 'b2', timestamp: '2024-05-01T08:31:02Z', from: { id: 'bot', name: 'BankX Assistant', role: 'bot' }, text: xss_bot },
  { type: 'message', id: 'b2', timestamp: '2024-05-01T08:31:02Z', from: { id: 'bot', role: 'bot' }, text: 'duplicate id: must not show' },
  {
    type: 'message',
    id: 'b3',
    timestamp: '2024-05-01T08:31:05Z',
    from: { id: 'bot', name: 'BankX Assistant', role: 'bot' },
    text: 'Anything else?',
    suggestedActions: { actions: [{ type: 'imBack', title: 'Card blocked', value: 'My card is blocked' }, { type: 'postBack', title: 'Talk to a person', value: 'handoff' }] },
  },
];

test('rendering: safe Markdown, XSS from bot and user stays text, links are safe, duplicates dropped', async () => {
  const { page, report } = await fixture_page();
  await page.evaluate((activities) => window.ParleyFixture.ingest(activities), transcript_fixture);
  const dom = await in_shadow(page, (root) => {
    const t = root.querySelector('.transcript');
    return {
      entries: [...t.querySelectorAll('.entry')].map((e) => [e.className, e.querySelector('.bubble').textContent]),
      dangerous: t.querySelectorAll('img, script, svg:not(.icon), iframe, b, [onerror], [onload]').length,
      links: [...t.querySelectorAll('a')].map((a) => [a.textContent, a.getAttribute('href'), a.target, a.rel]),
      strong: [...t.querySelectorAll('strong')].map((s) => s.textContent),
      em: [...t.querySelectorAll('em')].map((s) => s.textContent),
      lists: [...t.querySelectorAll('ul, ol')].map((l) => `${l.tagName}:${l.children.length}`),
      times: [...t.querySelectorAll('time')].map((x) => x.getAttribute('datetime')),
    };
  });
  assert.equal(dom.entries.length, 4, JSON.stringify(dom.entries));
  assert.equal(dom.entries[1][0], 'entry user');
  assert.equal(dom.entries[1][1], xss_user, 'user text verbatim');
  assert.ok(dom.entries[2][1].includes('<img src=x onerror=alert(1)> <script>alert(2)</script> click data'), dom.entries[2][1]);
  assert.equal(dom.dangerous, 0);
  assert.deepEqual(dom.links, [
    ['our rates', 'https://bankx.example/rates', '_blank', 'noopener noreferrer'],
    ['us', 'tel:+4930123456', '_blank', 'noopener noreferrer'],
  ]);
  assert.deepEqual(dom.strong, ['BankX', 'recent payments', '<b>bold</b>']);
  assert.deepEqual(dom.em, ['balance', 'recent']);
  assert.deepEqual(dom.lists, ['UL:2', 'OL:2']);
  assert.equal(dom.times.length, 4);
  const live = await in_shadow(page, (root) => root.querySelector('[aria-live="polite"]').textContent);
  assert.match(live, /BankX Assistant: Anything else\?/);
  await screenshot(page, 'fixture-transcript');
  assert.deepEqual(report.dialogs, [], 'no payload ran');
  assert.deepEqual(await report.violations(), []);
  assert.deepEqual(report.page_errors, []);
  await page.close();
});

test('suggested actions, typing indicator, notices and status line', async () => {
  const { page, report } = await fixture_page();
  await page.evaluate((activities) => window.ParleyFixture.ingest(activities), transcript_fixture);
  const buttons = page.locator('parley-widget .suggestion');
  assert.deepEqual(await buttons.allInnerTexts(), ['Card blocked', 'Talk to a person']);
  await page.evaluate(() => window.ParleyFixture.typing(true, 'BankX Assistant'));
  assert.equal(await page.locator('parley-widget .typing').innerText(), 'BankX Assistant is typing…');
  await page.evaluate(() => window.ParleyFixture.status('reconnecting'));
  assert.match(await page.locator('parley-widget .status').innerText(), /Reconnecting/);
  await screenshot(page, 'fixture-suggestions-typing');
  await buttons.first().focus();
  await page.keyboard.press('Enter');
  assert.equal(await buttons.count(), 0, 'buttons removed after a click');
  const calls = await page.evaluate(() => window.ParleyFixture.calls.map((c) => c.kind));
  assert.ok(calls.includes('send_action'));
  await page.evaluate(() => window.ParleyFixture.notice('session_renewed'));
  assert.match(await page.locator('parley-widget .divider').innerText(), /renewed/);
  assert.deepEqual(await report.violations(), []);
  await page.close();
});

/** WCAG relative luminance and contrast of two computed CSS colours. */
function contrast(fg, bg) {
  const lum = (css) => {
    const [r, g, b] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}

for (const theme of ['light', 'dark']) {
  test(`WCAG AA contrast of the ${theme} theme's text`, async () => {
    const { page } = await fixture_page(`?theme=${theme}`);
    await page.evaluate((activities) => window.ParleyFixture.ingest(activities), transcript_fixture);
    await page.evaluate(() => window.ParleyFixture.typing(true, null));
    const pairs = await in_shadow(page, (root) => {
      const c = (sel, prop = 'color') => getComputedStyle(root.querySelector(sel))[prop];
      const panel_bg = c('.panel', 'backgroundColor');
      return {
        launcher: [c('.launcher'), c('.launcher', 'backgroundColor')],
        header: [c('.title'), c('.header', 'backgroundColor')],
        bot_bubble: [c('.entry.bot .bubble'), c('.entry.bot .bubble', 'backgroundColor')],
        user_bubble: [c('.entry.user .bubble'), c('.entry.user .bubble', 'backgroundColor')],
        timestamp: [c('.meta time'), panel_bg],
        typing: [c('.typing'), panel_bg],
        suggestion: [c('.suggestion'), c('.suggestion', 'backgroundColor')],
        input: [c('.input'), c('.input', 'backgroundColor')],
      };
    });
    for (const [name, [fg, bg]] of Object.entries(pairs)) {
      const ratio = contrast(fg, bg);
      assert.ok(ratio >= 4.5, `${theme} ${name}: ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
    }
    await screenshot(page, `fixture-${theme}`);
    await page.close();
  });
}

test('phone-sized screen: the panel fills the viewport and the launcher steps aside', async () => {
  const viewport = { width: 390, height: 844 };
  const { page, report } = await fixture_page('', viewport);
  await page.evaluate((activities) => window.ParleyFixture.ingest(activities), transcript_fixture);
  const box = await page.locator('parley-widget .panel').boundingBox();
  assert.deepEqual(box, { x: 0, y: 0, width: 390, height: 844 });
  assert.equal(await page.locator('parley-widget .launcher').isVisible(), false);
  await screenshot(page, 'fixture-phone');
  assert.deepEqual(await report.violations(), []);
  await page.close();
});

test('data attributes: dark theme, German strings, left position, opened on load', async () => {
  const { page, report } = await fresh_page('/widget-dark.html');
  await page.locator('parley-widget .panel').waitFor();
  assert.equal(await page.locator('parley-widget .launcher').innerText(), 'Chat schließen', 'opened on load, so the launcher closes it');
  assert.equal(await page.locator('parley-widget .title').innerText(), 'Chatten Sie mit uns');
  const launcher = await page.locator('parley-widget .launcher').boundingBox();
  assert.ok(launcher.x < 100, 'launcher on the left');
  await page.locator('parley-widget .notice').waitFor();
  await screenshot(page, 'widget-dark-de');
  assert.deepEqual(await report.violations(), []);
  await page.close();
});

test('Web Chat compatibility page: loads Web Chat 4.18 and renders it under its own CSP (no server here)', async () => {
  const { page, report } = await fresh_page(`/webchat-compat/?bot=${encodeURIComponent(server.origin)}`);
  await page.waitForFunction(() => /refused a token/.test(document.getElementById('status').textContent));
  assert.ok(server.requests.some((r) => r.method === 'POST' && r.path === '/api/token'));
  const info = await page.evaluate(() => ({ render: typeof window.WebChat.renderWebChat, create: typeof window.WebChat.createDirectLine }));
  assert.deepEqual(info, { render: 'function', create: 'function' });
  assert.deepEqual(report.page_errors, [], 'the compat page itself runs cleanly');
  // Render it against an address with no channel: the UI must come up under the page's CSP.
  await page.evaluate((origin) => {
    const directLine = window.WebChat.createDirectLine({ token: 'not-a-token', domain: `${origin}/v3/directline` });
    window.WebChat.renderWebChat({ directLine }, document.getElementById('webchat'));
  }, server.origin);
  await page.locator('.webchat__send-box').first().waitFor({ timeout: 20_000 });
  await screenshot(page, 'webchat-compat-no-server');
  // (Web Chat itself throws when its dummy token cannot be decoded; only CSP matters here.)
  assert.deepEqual(await report.violations(), []);
  await page.close();
});

test("BankX demo site: the one-line embed works under the site's CSP, desktop and phone", async () => {
  const site_dir = join(repo_root, 'examples', 'bankx', 'site');
  // As `parley demo` would serve it: placeholder filled (empty = the page's own origin).
  const site = await serve_static({ '/widget/': dist, '/': { dir: site_dir, csp: null, replace: { '{{PARLEY_BOT_URL}}': '' } } });
  const raw = await serve_static({ '/widget/': dist, '/': { dir: site_dir, csp: null } });
  try {
    const page = await browser.context.newPage();
    const report = await open_page_on(page, `${site.origin}/`);
    await page.locator('parley-widget .launcher').waitFor();
    assert.equal(await page.locator('h1').innerText(), 'Banking that fits in your pocket');
    await screenshot(page, 'bankx-home');
    await page.locator('parley-widget .launcher').click();
    await page.locator('parley-widget .notice').waitFor(); // no bot behind this static server
    assert.ok(site.requests.some((r) => r.method === 'POST' && r.path === '/api/token'));
    await screenshot(page, 'bankx-home-open');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'bankx-phone-open');
    assert.deepEqual(await report.violations(), []);
    assert.deepEqual(report.page_errors, []);
    await page.close();

    // Served without the replacement, the widget refuses to guess and says why on the console.
    const unfilled = await browser.context.newPage();
    const errors = [];
    unfilled.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await unfilled.goto(`${raw.origin}/`);
    await unfilled.waitForLoadState('load');
    assert.equal(await unfilled.locator('parley-widget').count(), 0);
    assert.ok(errors.some((e) => e.includes('data-bot-url')), errors.join('\n'));
    await unfilled.close();
  } finally {
    await site.close();
    await raw.close();
  }
});
