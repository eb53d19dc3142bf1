#!/usr/bin/env node
// Parley's test identity provider: one real OpenID Connect provider (npm oidc-provider, pinned in
// package.json) per tenant, each on its own random loopback port and with its OWN signing keys
// (oidc-provider's built-in development keys are shared by every instance and would hide a
// cross-tenant bug). Authorization code + PKCE (S256) is required of every client, RP-initiated
// and back-channel logout are on, and the login page is ours: demo accounts with passwords.
//
//   node idp.mjs --config FILE --ready-file FILE [--exit-on-stdin-eof]
//
// FILE (JSON, written by `parley demo` or a test; it holds secrets, so keep it 0600):
//   { "tenants": [ { "id": "bankx", "name": "BankX",
//       "clients": [ { "client_id", "client_secret", "redirect_uris": [...],
//                      "post_logout_redirect_uris": [...], "backchannel_logout_uri" } ],
//       "accounts": [ { "username", "password", "name", "roles": [...], "groups": [...] } ] } ],
//     "control": false }
// Once every provider listens, the ready file gets {"tenants": {"bankx": {"issuer": "http://127.0.0.1:PORT"}},
// "control_token": "..."} (control_token only with "control": true: tests then disable accounts with
// POST {issuer}/test-control/accounts/{username}/disable and Authorization: Bearer <token>).
// SIGTERM/SIGINT stop it; --exit-on-stdin-eof also stops it when its parent goes away.
import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));
const css = readFileSync(join(here, 'login.css'));
const max_form_bytes = 8 * 1024;

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}

function html_escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function equal_secret(a, b) {
  const x = createHash('sha256').update(String(a)).digest();
  const y = createHash('sha256').update(String(b)).digest();
  return timingSafeEqual(x, y);
}

// The pages of this IdP: no script, styles from /test-idp.css, forms only to itself and to the
// clients' redirect URIs (Chromium applies form-action to the redirects that follow a submit).
function page(res, status, title, body, form_targets) {
  const csp = `default-src 'none'; style-src 'self'; form-action 'self' ${form_targets}; frame-ancestors 'none'; base-uri 'none'`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${html_escape(title)}</title><link rel="stylesheet" href="/test-idp.css"></head><body><main>${body}</main></body></html>`;
  res.writeHead(status, {
    'content-length': Buffer.byteLength(html),
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

function read_form(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > max_form_bytes) {
        reject(new Error('form too large'));
        req.destroy();
      } else {
        chunks.push(c);
      }
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function rsa_jwks() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = createHash('sha256').update(jwk.n).digest('base64url').slice(0, 16);
  return { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] };
}

// Loopback only: the back-channel logout POSTs go to the desk on 127.0.0.1, which oidc-provider's
// own fetch refuses ("special-use IP address").
async function loopback_fetch(url, options) {
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error('test IdP: only loopback URLs');
  const { dispatcher: _ignored, ...rest } = options;
  return globalThis.fetch(url, rest);
}

class tenant_idp {
  constructor(tenant, control_token) {
    this.tenant = tenant;
    this.control_token = control_token;
    this.accounts = new Map();
    for (const a of tenant.accounts ?? []) {
      const sub = 'u-' + createHash('sha256').update(`${tenant.id}\0${a.username}`).digest('base64url').slice(0, 22);
      this.accounts.set(sub, { ...a, sub, disabled: false });
    }
    const origins = new Set();
    for (const c of tenant.clients ?? []) {
      for (const uri of [...(c.redirect_uris ?? []), ...(c.post_logout_redirect_uris ?? [])]) origins.add(new URL(uri).origin);
    }
    this.form_targets = [...origins].join(' ');
  }

  account_by_username(username) {
    for (const a of this.accounts.values()) if (a.username === username) return a;
    return undefined;
  }

  async listen(host) {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, host, resolve);
    });
    this.issuer = `http://${host}:${this.server.address().port}`;
    this.provider = new Provider(this.issuer, this.configuration());
    this.callback = this.provider.callback();
    this.provider.on('backchannel.error', (_ctx, err, client) => {
      console.error(`test-idp ${this.tenant.id}: back-channel logout to ${client.clientId} failed: ${err.message}`);
    });
  }

  configuration() {
    const id = this.tenant.id;
    const t = this;
    return {
      clients: (this.tenant.clients ?? []).map((c) => ({
        client_id: c.client_id,
        client_secret: c.client_secret,
        redirect_uris: c.redirect_uris,
        post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
        backchannel_logout_uri: c.backchannel_logout_uri,
        backchannel_logout_session_required: true,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      })),
      jwks: rsa_jwks(),
      cookies: {
        keys: [randomBytes(32).toString('base64url')],
        // Both providers live on 127.0.0.1, where cookies ignore the port: names per tenant.
        names: { session: `_session_${id}`, interaction: `_interaction_${id}`, resume: `_interaction_resume_${id}` },
      },
      pkce: { required: () => true },
      claims: { openid: ['sub', 'roles', 'groups'], profile: ['name', 'preferred_username'] },
      scopes: ['openid', 'profile', 'offline_access'],
      // Names and roles in the ID token itself, as Entra ID does (the desk reads no userinfo).
      conformIdTokenClaims: false,
      findAccount: async (_ctx, sub) => {
        const a = t.accounts.get(sub);
        if (!a || a.disabled) return undefined;
        return {
          accountId: sub,
          claims: async () => ({ sub, name: a.name, preferred_username: a.username, roles: a.roles ?? [], groups: a.groups ?? [] }),
        };
      },
      // The desk is a first-party client: no consent screen.
      loadExistingGrant: async (ctx) => {
        const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
        grant.addOIDCScope('openid profile offline_access');
        await grant.save();
        return grant;
      },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      features: {
        devInteractions: { enabled: false },
        backchannelLogout: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx, form) => {
            ctx.type = 'html';
            ctx.set('content-security-policy', `default-src 'none'; style-src 'self'; form-action 'self' ${t.form_targets}`);
            ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign out – ${html_escape(t.tenant.name)}</title>` +
              `<link rel="stylesheet" href="/test-idp.css"></head><body><main><h1>${html_escape(t.tenant.name)}</h1>` +
              `<p>Sign out of ${html_escape(t.tenant.name)}?</p>${form}` +
              `<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>` +
              `<button type="submit" form="op.logoutForm">No, stay signed in</button></main></body></html>`;
          },
          postLogoutSuccessSource: async (ctx) => {
            ctx.type = 'html';
            ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title>` +
              `<link rel="stylesheet" href="/test-idp.css"></head><body><main><h1>Signed out</h1>` +
              `<p>You are signed out of ${html_escape(t.tenant.name)}.</p></main></body></html>`;
          },
        },
      },
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error</title>` +
          `<link rel="stylesheet" href="/test-idp.css"></head><body><main><h1>Something went wrong</h1>` +
          Object.entries(out).map(([k, v]) => `<p><strong>${html_escape(k)}</strong>: ${html_escape(v)}</p>`).join('') +
          `</main></body></html>`;
      },
      fetch: loopback_fetch,
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 600,
        Session: 86400,
        Grant: 86400,
        RefreshToken: 86400,
      },
    };
  }

  async handle(req, res) {
    try {
      const url = new URL(req.url, this.issuer);
      if (req.method === 'GET' && url.pathname === '/test-idp.css') {
        res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'content-length': css.length, 'cache-control': 'no-cache' });
        res.end(css);
        return;
      }
      const m = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|abort))?$/.exec(url.pathname);
      if (m) {
        await this.interaction(req, res, m[1], m[2]);
        return;
      }
      const c = /^\/test-control\/accounts\/([A-Za-z0-9._-]{1,64})\/(disable|enable)$/.exec(url.pathname);
      if (c && req.method === 'POST') {
        this.control(req, res, c[1], c[2]);
        return;
      }
      this.callback(req, res);
    } catch (err) {
      console.error(`test-idp ${this.tenant.id}: ${err.message}`);
      if (!res.headersSent) page(res, 400, 'Error', '<h1>Bad request</h1>', '');
      else res.end();
    }
  }

  control(req, res, username, action) {
    const auth = req.headers.authorization ?? '';
    if (!this.control_token || !auth.startsWith('Bearer ') || !equal_secret(auth.slice(7), this.control_token)) {
      res.writeHead(401).end();
      return;
    }
    const a = this.account_by_username(username);
    if (!a) {
      res.writeHead(404).end();
      return;
    }
    a.disabled = action === 'disable';
    res.writeHead(204).end();
  }

  async interaction(req, res, uid, action) {
    const details = await this.provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (action === 'abort' && req.method === 'POST') {
      await this.provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false });
      return;
    }
    if (details.prompt.name !== 'login') {
      // Consent is granted by loadExistingGrant; any other prompt is not expected here.
      await this.provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
      return;
    }
    if (action === 'login' && req.method === 'POST') {
      const form = await read_form(req);
      const a = this.account_by_username(form.get('username') ?? '');
      const ok = a !== undefined && !a.disabled && equal_secret(form.get('password') ?? '', a.password);
      if (ok) {
        await this.provider.interactionFinished(req, res, { login: { accountId: a.sub } }, { mergeWithLastSubmission: false });
        return;
      }
      this.login_page(res, uid, true);
      return;
    }
    if (req.method !== 'GET' || action) {
      res.writeHead(405).end();
      return;
    }
    this.login_page(res, uid, false);
  }

  login_page(res, uid, failed) {
    const name = html_escape(this.tenant.name);
    const error = failed ? '<p role="alert" class="error">Wrong username or password.</p>' : '';
    page(res, failed ? 401 : 200, `Sign in – ${this.tenant.name}`,
      `<h1>${name}</h1><p class="note">Test identity provider of ${name}: demo accounts only.</p>${error}` +
      `<form method="post" action="/interaction/${uid}/login" autocomplete="off">` +
      `<label for="username">Username</label><input id="username" name="username" required autofocus autocapitalize="none">` +
      `<label for="password">Password</label><input id="password" name="password" type="password" required>` +
      `<button type="submit">Sign in</button></form>` +
      `<form method="post" action="/interaction/${uid}/abort"><button type="submit" class="secondary">Cancel</button></form>`,
      this.form_targets);
  }

  close() {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function main() {
  const config_file = arg('--config');
  const ready_file = arg('--ready-file');
  if (!config_file || !ready_file) {
    console.error('usage: node idp.mjs --config FILE --ready-file FILE [--exit-on-stdin-eof]');
    process.exit(2);
  }
  const config = JSON.parse(readFileSync(config_file, 'utf8'));
  const host = '127.0.0.1';
  const control_token = config.control ? randomBytes(32).toString('base64url') : undefined;
  const idps = (config.tenants ?? []).map((t) => new tenant_idp(t, control_token));
  await Promise.all(idps.map((idp) => idp.listen(host)));

  const ready = { tenants: {} };
  for (const idp of idps) ready.tenants[idp.tenant.id] = { issuer: idp.issuer };
  if (control_token) ready.control_token = control_token;
  writeFileSync(`${ready_file}.tmp`, JSON.stringify(ready) + '\n', { mode: 0o600 });
  renameSync(`${ready_file}.tmp`, ready_file);
  console.error(`test-idp: ${idps.map((i) => `${i.tenant.id} at ${i.issuer}`).join(', ')}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(idps.map((idp) => idp.close()));
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.argv.includes('--exit-on-stdin-eof')) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}

main().catch((err) => {
  console.error(`test-idp: ${err.stack ?? err}`);
  process.exit(1);
});
