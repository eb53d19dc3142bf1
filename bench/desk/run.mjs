// The live desk's latencies on the real platform (`parley demo --port-base 0`: the BankX site and
// widget, the channel, the assistant, the desk, the test IdP) in Chromium: CUSTOMERS customers
// (default 8) each ask the assistant for a human; one consultant signed in through the IdP takes
// them one by one and writes MESSAGES (default 5) messages to each. Measured:
//   take        the consultant's POST .../take, request to answer (the compare-and-set, the audit
//               entry, the channel's accept)
//   queue       from a take's request to the next waiting customer's widget showing its new place
//               ("number 1"): the queue update reaching the widget
//   send        from the consultant's POST .../messages to the customer's widget showing the text
//   to desk     from the customer's send (Enter) to the consultant's desk showing it (its WebSocket)
// Times are wall clock (Date.now) in one machine's browsers; p50/p90/max in ms. Writes
// bench/results/desk.md. Usage: PARLEY_BIN=build/ci/src/app/parley nice -n 10 node bench/desk/run.mjs
// (needs ./scripts/install-npm.sh once; CUSTOMERS=, MESSAGES= to change the load).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch_browser, repo_root } from '../../tests/browser/lib/browser.mjs';
import { start_demo } from '../../tests/browser/lib/parley_demo.mjs';

const customers = Number(process.env.CUSTOMERS ?? 8);
const messages = Number(process.env.MESSAGES ?? 5);
const demo = await start_demo({ args: ['--port-base', '0'], log: 'parley-demo-bench-desk.log' });
if (demo.skip) {
  console.error(`bench/desk: ${demo.skip}`);
  process.exit(1);
}
const browser = await launch_browser();

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, p50: at(0.5), p90: at(0.9), max: s[s.length - 1] };
}

// The time (Date.now) at which `text` first appears in the widget, watched from inside the page.
async function watch_widget(page, text) {
  return page.evaluate(
    (t) =>
      new Promise((resolve) => {
        const root = document.querySelector('parley-widget').shadowRoot;
        const seen = () => root.textContent.includes(t);
        if (seen()) return resolve(Date.now());
        const obs = new MutationObserver(() => {
          if (seen()) {
            obs.disconnect();
            resolve(Date.now());
          }
        });
        obs.observe(root, { subtree: true, childList: true, characterData: true });
      }),
    text,
  );
}

async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const headers = { 'X-Parley-Desk': '1' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const start = Date.now();
      const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const end = Date.now();
      return { status: r.status, json: await r.json().catch(() => null), start, end };
    },
    { method, path, body },
  );
}

const result = { take: [], queue: [], send: [], to_desk: [] };
try {
  // The consultant.
  const desk = await (await browser.newContext()).newPage();
  await desk.goto(demo.ready.desk);
  const anna = demo.ready.desk_accounts.find((a) => a.tenant === 'bankx' && a.role === 'consultant');
  await desk.getByRole('link', { name: 'Sign in with BankX' }).click();
  await desk.getByLabel('Username').fill(anna.username);
  await desk.getByLabel('Password').fill(anna.password);
  await desk.getByRole('button', { name: 'Sign in' }).click();
  await desk.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30_000 });
  await api(desk, 'PUT', '/desk/api/availability', { state: 'available', capacity: 50 });

  // The customers, one after the other into the queue.
  const users = [];
  for (let i = 0; i < customers; i++) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(demo.site);
    await page.locator('parley-widget .launcher').click();
    await page.locator('parley-widget .entry.bot').first().waitFor({ timeout: 30_000 });
    await page.locator('parley-widget .input').fill('I want to talk to a human');
    await page.locator('parley-widget .input').press('Enter');
    await page.locator('parley-widget .handoff').getByText(`number ${i + 1} in the queue`, { exact: false }).waitFor({ timeout: 30_000 });
    users.push(page);
  }
  const queued = (await api(desk, 'GET', '/desk/api/handoffs')).json.handoffs.filter((h) => h.status === 'waiting');
  if (queued.length !== customers) throw new Error(`${queued.length} waiting, expected ${customers}`);

  for (let i = 0; i < customers; i++) {
    const h = (await api(desk, 'GET', '/desk/api/handoffs')).json.handoffs.find((x) => x.status === 'waiting');
    const next = users[i + 1];
    const moved = next ? watch_widget(next, 'number 1 in the queue') : null;
    const taken = await api(desk, 'POST', `/desk/api/handoffs/${h.conversation}/take`, { version: h.version });
    if (taken.status !== 200) throw new Error(`take: ${taken.status}`);
    result.take.push(taken.end - taken.start);
    if (moved) result.queue.push((await moved) - taken.start);  // the widgets are told before the take answers
    // Which customer is it? The one whose widget names Anna.
    const user = users[i];
    await user.locator('parley-widget').getByText('Anna (consultant) joined', { exact: false }).first().waitFor({ timeout: 30_000 });
    for (let m = 0; m < messages; m++) {
      const text = `Message ${m} to customer ${i} from Anna.`;
      const shown = watch_widget(user, text);
      const sent = await api(desk, 'POST', `/desk/api/handoffs/${h.conversation}/messages`, { text });
      if (sent.status !== 200) throw new Error(`send: ${sent.status}`);
      result.send.push((await shown) - sent.start);
    }
    // The customer writes back; the desk shows it over its WebSocket (the conversation is open there).
    await desk.getByRole('button', { name: `Open conversation ${h.conversation}` }).click().catch(() => {});
    const reply = `Reply ${i} from the customer.`;
    const on_desk = desk.evaluate(
      (t) =>
        new Promise((resolve) => {
          const seen = () => document.body.textContent.includes(t);
          if (seen()) return resolve(Date.now());
          const obs = new MutationObserver(() => seen() && (obs.disconnect(), resolve(Date.now())));
          obs.observe(document.body, { subtree: true, childList: true, characterData: true });
        }),
      reply,
    );
    await user.locator('parley-widget .input').fill(reply);
    const pressed = await user.evaluate(() => Date.now());
    await user.locator('parley-widget .input').press('Enter');
    result.to_desk.push((await on_desk) - pressed);
  }
} finally {
  await browser.close();
  await demo.stop();
}

const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const row = (name, what, xs) => {
  const s = stats(xs);
  return `| ${name} | ${what} | ${s.n} | ${s.p50} | ${s.p90} | ${s.max} |`;
};
const md = `# Live desk latencies (bench/desk/run.mjs)

The real platform (\`parley demo --port-base 0\`, one process: channel, assistant, desk, SQLite
store, audit log, in-process bus) with Chromium as the customers' widgets and the consultant's
desk, on this machine (2 cores, shared with other builds: load average ${load} at the end).
${customers} customers queue for a human; one consultant takes them one by one and writes
${messages} messages to each; each customer writes back once. Wall-clock times in ms.

| measure | from → to | n | p50 | p90 | max |
|---|---|---|---|---|---|
${row('take', 'POST .../take sent → answered (compare-and-set, audit entry, channel accept)', result.take)}
${row('queue update', 'take sent → the next customer\'s widget shows "number 1" (told before the take answers)', result.queue)}
${row('consultant → widget', 'POST .../messages sent → the text in the customer\'s widget', result.send)}
${row('customer → desk', 'Enter in the widget → the text on the consultant\'s desk', result.to_desk)}

The issue's 50 consultants and 500 concurrent handed-over conversations do not fit this machine
as one Chromium per customer: they are measured at the protocol level below (bench/desk/load.mjs). Run: \`PARLEY_BIN=build/ci/src/app/parley nice -n 10 node bench/desk/run.mjs\`.
`;
// The "At scale" section is bench/desk/load.mjs's: kept as it is.
const file = join(repo_root, 'bench', 'results', 'desk.md');
const previous = (await import('node:fs')).readFileSync(file, 'utf8');
const at_scale = previous.indexOf('## At scale');
writeFileSync(file, at_scale < 0 ? md : `${md}\n${previous.slice(at_scale)}`);
console.log(md);
