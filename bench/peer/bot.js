// The peer's bot: a botbuilder 4.23 echo bot (CloudAdapter, anonymous: the peer has no auth),
// answering every message with its own text, as Parley's echo assistant does
// (examples/echo/assistant.toml). Listens on a free loopback port and writes it to PORT_FILE.
//   node bot.js PORT_FILE
// The HTTP server is the one tests/compat's bot uses (tests/compat/lib/bot_http_server.js: Node's
// http with a small Express-like shim, no web framework between the socket and botbuilder).
'use strict';
const { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } = require('botbuilder');
const { serveBot } = require('../../tests/compat/lib/bot_http_server');

const [portFile] = process.argv.slice(2);
if (!portFile) {
  console.error('usage: node bot.js PORT_FILE');
  process.exit(2);
}

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
adapter.onTurnError = async (_context, error) => {
  console.error('bot: turn error:', error && error.message);
};

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(context.activity.text || '');
      await next();
    });
  }
}
const bot = new EchoBot();

serveBot({ portFile, adapter: () => adapter, bot });
