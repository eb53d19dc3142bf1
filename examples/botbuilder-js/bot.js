// A Bot Framework bot as a bank already runs it on Azure (botbuilder 4.23, CloudAdapter, an app id
// and password), moved onto Parley: the only Parley-specific lines are the settings in .env
// (printed by `parley channel bot-settings`) and the MSAL client below, both exactly as
// docs/bring-your-own-bot.md gives them.
//   node --env-file=.env bot.js [PORT]      (PORT default 3978; 0: any free port)
// Routes: POST /api/messages (the channel's activities), POST /api/notify (sends a proactive
// message to every conversation the bot has seen).
'use strict';
const http = require('http');
const { ActivityHandler, CardFactory, MessageFactory, TurnContext } = require('botbuilder');

// ---- from `parley channel bot-settings --format msal` ----
const { CloudAdapter, ConfigurationBotFrameworkAuthentication } = require('botbuilder');
const { MsalServiceClientCredentialsFactory } = require('botframework-connector');
const { ConfidentialClientApplication } = require('@azure/msal-node');
const msal = new ConfidentialClientApplication({
  auth: {
    clientId: process.env.MicrosoftAppId,
    clientSecret: process.env.MicrosoftAppPassword,
    authority: process.env.ToChannelFromBotLoginUrl,
    knownAuthorities: [new URL(process.env.ToChannelFromBotLoginUrl).host],
  },
});
const credentials = new MsalServiceClientCredentialsFactory(process.env.MicrosoftAppId, msal);
const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(process.env, credentials));
// ---- end ----

adapter.onTurnError = async (context, error) => {
  console.error(`bot: turn error: ${error && error.message}`);
  await context.sendActivity('Sorry, something went wrong.');
};

// Conversation references for proactive messages, by conversation id (a real bot stores them).
const references = new Map();

class BankBot extends ActivityHandler {
  constructor() {
    super();
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded || []) {
        if (member.id !== context.activity.recipient.id) {
          await context.sendActivity('Welcome to the bank assistant. Say "card" to see a card.');
        }
      }
      await next();
    });
    this.onMessage(async (context, next) => {
      references.set(context.activity.conversation.id, TurnContext.getConversationReference(context.activity));
      const text = (context.activity.text || '').trim();
      if (text.toLowerCase() === 'card') {
        const card = CardFactory.heroCard('Your accounts', 'Current account: EUR 1,250.00', undefined,
          CardFactory.actions([{ type: 'imBack', title: 'Details', value: 'details' }]));
        await context.sendActivity(MessageFactory.attachment(card));
      } else {
        await context.sendActivity(`You said: ${text}`);
      }
      await next();
    });
  }
}
const bot = new BankBot();

// Proactive: continue every known conversation with the bot's own credentials.
async function notifyAll(text) {
  for (const reference of references.values()) {
    await adapter.continueConversationAsync(process.env.MicrosoftAppId, reference, async (context) => {
      await context.sendActivity(text);
    });
  }
  return references.size;
}

// CloudAdapter.process needs req.body and res.status/header/send/end, as Express and restify
// give them; with Node's own http module a few lines provide them.
function expressLike(res) {
  const r = {
    socket: res.socket,
    status(code) { res.statusCode = code; return r; },
    header(name, value) { res.setHeader(name, value); return r; },
    send(body) {
      if (body !== undefined && typeof body !== 'string') {
        res.setHeader('Content-Type', 'application/json');
        body = JSON.stringify(body);
      }
      if (body !== undefined) res.write(body);
      return r;
    },
    end() { res.end(); return r; },
  };
  return r;
}

const maxBody = 256 * 1024;
const server = http.createServer((req, res) => {
  let data = '';
  let tooLarge = false;
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    data += chunk;
    if (data.length > maxBody) { tooLarge = true; req.destroy(); }
  });
  req.on('end', async () => {
    if (tooLarge) return;
    if (req.method === 'POST' && req.url === '/api/messages') {
      try {
        req.body = JSON.parse(data);
      } catch {
        req.body = undefined;
      }
      try {
        await adapter.process(req, expressLike(res), (context) => bot.run(context));
      } catch (e) {
        console.error(`bot: process failed: ${e && e.message}`);
        if (!res.writableEnded) { res.statusCode = 500; res.end(); }
      }
    } else if (req.method === 'POST' && req.url === '/api/notify') {
      try {
        const sent = await notifyAll('A proactive message: your statement is ready.');
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ sent }));
      } catch (e) {
        console.error(`bot: proactive message failed: ${e && e.message}`);
        res.statusCode = 500;
        res.end();
      }
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
});
server.listen(Number(process.argv[2] || 3978), '127.0.0.1', () => {
  console.log(`bot: listening on http://127.0.0.1:${server.address().port}/api/messages`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
