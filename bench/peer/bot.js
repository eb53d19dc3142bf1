// The peer's bot: a botbuilder 4.23 echo bot (CloudAdapter, anonymous: the peer has no auth),
// answering every message with its own text, as Parley's echo assistant does
// (examples/echo/assistant.toml). Listens on a free loopback port and writes it to PORT_FILE.
//   node bot.js PORT_FILE
// Node's http server with the same small Express-like shim as tests/compat (CloudAdapter.process
// only needs status/header/send/end), so no web framework sits between the socket and botbuilder.
'use strict';
const http = require('http');
const fs = require('fs');
const { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } = require('botbuilder');

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

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/messages') {
    res.statusCode = 404;
    res.end();
    return;
  }
  let data = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (data += c));
  req.on('end', async () => {
    try {
      req.body = JSON.parse(data);
    } catch (e) {
      req.body = undefined;
    }
    const shim = {
      socket: res.socket,
      status(code) { res.statusCode = code; return shim; },
      header(name, value) { res.setHeader(name, value); return shim; },
      send(body) {
        if (body !== undefined && typeof body !== 'string') {
          res.setHeader('Content-Type', 'application/json');
          body = JSON.stringify(body);
        }
        res.write(body === undefined ? '' : body);
        return shim;
      },
      end() { res.end(); return shim; },
    };
    try {
      await adapter.process(req, shim, (context) => bot.run(context));
    } catch (e) {
      console.error('bot: process failed:', e && e.message);
      if (!res.writableEnded) { res.statusCode = 500; res.end(); }
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile, String(server.address().port));
  console.log(`bot: listening on ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
