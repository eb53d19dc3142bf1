// Checks a bot's Parley settings against the running channel before the bot goes live: each URL
// of the .env answers, the issuer is the one the channel signs with, and the app id and password
// get an access token for the scope the bot will ask for.
//   NODE_EXTRA_CA_CERTS=... node --env-file=.env check-settings.js
// Prints "ok: ..." per setting and exits 0, or names the first wrong setting and exits 1.
'use strict';
const e = process.env;

async function getJson(url, what) {
  let r;
  try {
    r = await fetch(url);
  } catch (err) {
    throw new Error(`${what}: ${url}: ${err.cause ? err.cause.code || err.cause.message : err.message}`);
  }
  if (r.status !== 200) throw new Error(`${what}: ${url} answered ${r.status}`);
  return r.json();
}

async function main() {
  for (const k of ['MicrosoftAppId', 'MicrosoftAppPassword', 'ToBotFromChannelTokenIssuer', 'ToBotFromChannelOpenIdMetadataUrl',
    'ToBotFromEmulatorOpenIdMetadataUrl', 'ToChannelFromBotLoginUrl', 'ToChannelFromBotOAuthScope', 'OAuthUrl', 'CallerId']) {
    if (!e[k]) throw new Error(`${k} is not set: botbuilder needs every one of these settings`);
  }
  const meta = await getJson(e.ToBotFromChannelOpenIdMetadataUrl, 'ToBotFromChannelOpenIdMetadataUrl');
  if (meta.issuer !== e.ToBotFromChannelTokenIssuer) {
    throw new Error(`ToBotFromChannelTokenIssuer is ${e.ToBotFromChannelTokenIssuer}, the channel signs with ${meta.issuer}`);
  }
  const keys = await getJson(meta.jwks_uri, 'jwks_uri of the channel metadata');
  if (!Array.isArray(keys.keys) || keys.keys.length === 0) throw new Error('the channel publishes no signing key');
  console.log(`ok: ToBotFromChannelOpenIdMetadataUrl (${keys.keys.length} key(s)), ToBotFromChannelTokenIssuer`);
  await getJson(e.ToBotFromEmulatorOpenIdMetadataUrl, 'ToBotFromEmulatorOpenIdMetadataUrl');
  console.log('ok: ToBotFromEmulatorOpenIdMetadataUrl');
  if (!e.ToChannelFromBotLoginUrl.startsWith('https://')) {
    throw new Error('ToChannelFromBotLoginUrl must be https:// (MSAL refuses any other authority): give the channel TLS');
  }
  const authority = await getJson(`${e.ToChannelFromBotLoginUrl}/v2.0/.well-known/openid-configuration`, 'ToChannelFromBotLoginUrl');
  const r = await fetch(authority.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials', client_id: e.MicrosoftAppId, client_secret: e.MicrosoftAppPassword,
      scope: `${e.ToChannelFromBotOAuthScope}/.default`,
    }),
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`the token endpoint refused MicrosoftAppId/MicrosoftAppPassword or the scope: ${body.error}: ${body.error_description}`);
  console.log('ok: ToChannelFromBotLoginUrl, ToChannelFromBotOAuthScope, MicrosoftAppId and MicrosoftAppPassword (token issued)');
}

main().then(() => process.exit(0), (err) => {
  console.error(`settings: ${err.message}`);
  process.exit(1);
});
