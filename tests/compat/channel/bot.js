// A real Bot Framework bot: botbuilder 4.23 CloudAdapter, an echo bot that greets the user on
// conversationUpdate, hands off on "human please" (EventFactory.createHandoffInitiation) and says
// the handoff.status it receives. Anonymous (no app id: the channel must be on loopback) or authenticated
// against the channel's own OpenID metadata and token endpoint (bot-connector.md §3.2, §3.3 A:
// an MSAL ConfidentialClientApplication with knownAuthorities, because MSAL trusts only Microsoft
// authorities by default and requires https).
//   node bot.js PORT_FILE                     anonymous
//   node bot.js PORT_FILE READY_FILE APP_ID   authenticated; the password comes from $BOT_APP_PASSWORD
// Writes the port it listens on to PORT_FILE. The bot starts before the channel (whose
// configuration names the bot's endpoint), so it reads the channel's URL from parley's ready file
// when the first activity arrives.
'use strict';
const fs = require('fs');
const {
  ActivityHandler,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  EventFactory,
} = require('botbuilder');
const { MsalServiceClientCredentialsFactory } = require('botframework-connector');
const { ConfidentialClientApplication } = require('@azure/msal-node');
const { serveBot } = require('../lib/bot_http_server');

const [portFile, readyFile, appId] = process.argv.slice(2);

function makeAdapter() {
  let auth;
  if (appId) {
  const channelUrl = JSON.parse(fs.readFileSync(readyFile, 'utf8')).directline.replace(/\/v3\/directline$/, '');
  const url = new URL(channelUrl);
  const authority = `${channelUrl}/botframework.com`;
  const config = {
    MicrosoftAppType: 'MultiTenant',
    MicrosoftAppId: appId,
    MicrosoftAppPassword: process.env.BOT_APP_PASSWORD,
    // All seven parameterised settings, or botbuilder falls back to Azure for the missing ones.
    ToBotFromChannelTokenIssuer: channelUrl,
    ToBotFromChannelOpenIdMetadataUrl: `${channelUrl}/v1/.well-known/openidconfiguration`,
    ToBotFromEmulatorOpenIdMetadataUrl: `${channelUrl}/botframework.com/v2.0/.well-known/openid-configuration`,
    ToChannelFromBotLoginUrl: authority,
    ToChannelFromBotOAuthScope: channelUrl,
    OAuthUrl: channelUrl,
    CallerId: 'urn:parley:compat',
  };
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: appId,
      clientSecret: process.env.BOT_APP_PASSWORD,
      authority,
      knownAuthorities: [url.host],
    },
  });
  auth = new ConfigurationBotFrameworkAuthentication(config, new MsalServiceClientCredentialsFactory(appId, cca));
  } else {
    auth = new ConfigurationBotFrameworkAuthentication({});
  }
  const a = new CloudAdapter(auth);
  a.onTurnError = async (context, error) => {
    console.error('bot: turn error:', error && error.message);
  };
  return a;
}
let adapter;

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      for (const m of context.activity.membersAdded || []) {
        if (m.id !== context.activity.recipient.id) await context.sendActivity(`welcome ${m.id}`);
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      if (context.activity.text === 'human please') {
        // Bot Framework's handoff protocol as botbuilder ships it (ADR 0021): routing context in
        // value, the conversation so far as a "Transcript" attachment.
        const transcript = { activities: [{ type: 'message', text: context.activity.text, from: context.activity.from }] };
        const initiate = EventFactory.createHandoffInitiation(
          context, { reason: 'asked for a person', skill: 'cards', priority: 1 }, transcript);
        await context.sendActivity(initiate);
        await context.sendActivity('handoff requested');
      } else {
        await context.sendActivity(`echo: ${context.activity.text}`);
      }
      await next();
    });
    // The channel's answer (handoff.status: accepted | failed | completed), said back to the user.
    this.onEvent(async (context, next) => {
      if (context.activity.name === 'handoff.status') {
        await context.sendActivity(`handoff status: ${context.activity.value && context.activity.value.state}`);
      }
      await next();
    });
  }
}
const bot = new EchoBot();

// CloudAdapter.process wants an Express-like request/response: the shared shim over Node's http.
serveBot({ portFile, adapter: () => (adapter = adapter || makeAdapter()), bot, label: appId ? 'authenticated' : 'anonymous' });
