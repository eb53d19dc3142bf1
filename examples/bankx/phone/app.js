// @ts-check
// The BankX demo phone: the customer's BankX app (login requests with Approve / Deny), a USSD
// session, the SMS and mail inboxes, and an authenticator app. It talks only to the BankX app
// back end under /app/api/ with its own session token (never the bot's credentials). Every text
// from the server is rendered with textContent: nothing here parses HTML.

const api = '/app/api';
const state_every_ms = 2000;
/** @type {string | null} */
let session = sessionStorage.getItem('bankx-phone-session');
/** @type {ReturnType<typeof setInterval> | null} */
let timer = null;
/** @type {string | null} */
let ussd_request = null;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Calls the app back end; resolves to { status, body }. */
async function call(/** @type {string} */ method, /** @type {string} */ path, /** @type {unknown} */ body) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (session) headers.Authorization = `Bearer ${session}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function el(/** @type {string} */ tag, /** @type {string} */ cls, /** @type {string} */ text = '') {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

function time_of(/** @type {string} */ iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function show(/** @type {string} */ id, /** @type {boolean} */ visible) {
  $(id).hidden = !visible;
}

async function pick_customer() {
  show('picker', true);
  show('home', false);
  const { status, body } = await call('GET', '/customers');
  const list = $('customers');
  list.replaceChildren();
  if (status !== 200) {
    $('picker-error').textContent = 'The BankX app back end is not reachable.';
    show('picker-error', true);
    return;
  }
  for (const c of body.customers) {
    const li = el('li', '');
    const b = /** @type {HTMLButtonElement} */ (el('button', ''));
    b.type = 'button';
    b.dataset.customer = c.id;
    b.append(el('span', 'name', c.name), el('span', 'meta', `${c.id} · ${c.methods.join(', ')}`));
    b.addEventListener('click', () => open_session(c.id));
    li.append(b);
    list.append(li);
  }
}

async function open_session(/** @type {string} */ customer) {
  session = null;
  const { status, body } = await call('POST', '/session', { customerId: customer });
  if (status !== 201) {
    $('picker-error').textContent = 'Could not open the app for this customer.';
    show('picker-error', true);
    return;
  }
  session = body.sessionToken;
  sessionStorage.setItem('bankx-phone-session', body.sessionToken);
  await home();
}

async function home() {
  show('picker', false);
  show('home', true);
  await refresh();
  if (timer) clearInterval(timer);
  timer = setInterval(refresh, state_every_ms);
}

function leave() {
  if (timer) clearInterval(timer);
  timer = null;
  if (session) void call('POST', '/logout', undefined);
  session = null;
  sessionStorage.removeItem('bankx-phone-session');
  void pick_customer();
}

async function refresh() {
  const { status, body } = await call('GET', '/state', undefined);
  if (status === 401) return leave();
  if (status !== 200) return;
  $('who').textContent = body.customer.name;
  render_requests(body.requests.filter((/** @type {any} */ r) => r.method === 'push'));
  render_ussd(body.requests.filter((/** @type {any} */ r) => r.method === 'ussd'));
  render_messages('sms', body.sms, (/** @type {any} */ m) => [el('p', 'from', `BankX → ${m.to} · ${time_of(m.sentAt)}`), el('p', 'text', m.text)]);
  render_messages('mail', body.mail, (/** @type {any} */ m) => [
    el('p', 'from', `From: BankX <no-reply@bankx.example> · ${time_of(m.sentAt)}`),
    el('p', 'subject', m.subject),
    el('p', 'text', m.text),
  ]);
  render_authenticator(body.authenticator);
}

function render_requests(/** @type {any[]} */ requests) {
  const list = $('requests');
  list.replaceChildren();
  for (const r of requests) {
    const li = el('li', 'request');
    li.dataset.request = r.id;
    li.append(el('p', 'title', 'Login request from the BankX chat assistant'));
    li.append(el('p', 'meta', `Requested at ${time_of(r.createdAt)} · expires in ${r.expiresIn} s. Approve only if you started this login yourself.`));
    const buttons = el('div', 'buttons');
    const approve = el('button', 'approve', 'Approve');
    const deny = el('button', 'deny', 'Deny');
    approve.addEventListener('click', () => decide(r.id, 'approve'));
    deny.addEventListener('click', () => decide(r.id, 'deny'));
    buttons.append(approve, deny);
    li.append(buttons);
    list.append(li);
  }
  show('no-requests', requests.length === 0);
}

async function decide(/** @type {string} */ id, /** @type {'approve' | 'deny'} */ decision) {
  const { status } = await call('POST', `/requests/${encodeURIComponent(id)}/${decision}`, undefined);
  $('decided').textContent = status === 204 ? (decision === 'approve' ? 'Login approved.' : 'Login denied.') : 'This request is no longer pending.';
  show('decided', true);
  await refresh();
}

function render_ussd(/** @type {any[]} */ requests) {
  const r = requests[0];
  show('ussd', Boolean(r));
  show('no-ussd', !r && $('ussd-reply').hidden);
  if (!r) {
    ussd_request = null;
    return;
  }
  if (ussd_request !== r.id) {
    ussd_request = r.id;
    $('ussd-text').textContent = '*123#\nBankX: Login request from chat.\n1 Accept\n2 Deny';
    /** @type {HTMLInputElement} */ ($('ussd-input')).value = '';
    show('ussd-reply', false);
  }
}

async function answer_ussd(/** @type {SubmitEvent} */ e) {
  e.preventDefault();
  if (!ussd_request) return;
  const input = /** @type {HTMLInputElement} */ ($('ussd-input'));
  const { status, body } = await call('POST', `/requests/${encodeURIComponent(ussd_request)}/ussd`, { input: input.value.trim() });
  $('ussd-reply').textContent = status === 200 ? body.reply : 'BankX: Invalid input. Session ended.';
  show('ussd-reply', true);
  await refresh();
}

function render_messages(/** @type {string} */ id, /** @type {any[]} */ messages, /** @type {(m: any) => HTMLElement[]} */ render) {
  const list = $(id);
  list.replaceChildren();
  for (const m of messages) {
    const li = el('li', 'message');
    li.append(...render(m));
    list.append(li);
  }
  show(`no-${id}`, messages.length === 0);
}

function render_authenticator(/** @type {any} */ a) {
  const any = a.status !== 'none';
  show('auth', any);
  show('auth-confirm', a.status === 'pending');
  $('auth-status').textContent =
    a.status === 'none' ? 'No authenticator set up.' : a.status === 'pending' ? 'New authenticator: activate it with the current code.' : 'Authenticator active.';
  if (!any) return;
  $('auth-code').textContent = a.currentCode;
  $('auth-left').textContent = `${a.secondsLeft} s`;
  $('auth-secret').textContent = a.secret;
  $('auth-uri').textContent = a.otpauthUri;
}

async function enrol() {
  const { status } = await call('POST', '/authenticator/enrol', undefined);
  show('auth-error', status !== 200);
  if (status !== 200) $('auth-error').textContent = 'Could not set up the authenticator.';
  await refresh();
}

async function confirm_enrolment() {
  const code = $('auth-code').textContent ?? '';
  const { status } = await call('POST', '/authenticator/confirm', { code });
  show('auth-error', status !== 200);
  if (status !== 200) $('auth-error').textContent = 'That code was not accepted; wait for the next one and try again.';
  await refresh();
}

function tick() {
  const now = new Date();
  $('clock').textContent = now.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

document.addEventListener('DOMContentLoaded', () => {
  $('switch').addEventListener('click', leave);
  $('ussd-form').addEventListener('submit', (e) => void answer_ussd(/** @type {SubmitEvent} */ (e)));
  $('auth-enrol').addEventListener('click', () => void enrol());
  $('auth-confirm').addEventListener('click', () => void confirm_enrolment());
  tick();
  setInterval(tick, 10_000);
  if (session) void home();
  else void pick_customer();
});
