// The HTTP side of the Node.js botbuilder bots (tests/compat/channel/bot.js, the compat echo bot;
// bench/peer/bot.js, the benchmark peer's): Node's http server with a small Express-like shim
// (CloudAdapter.process only needs status/header/send/end), so no web framework sits between the
// socket and botbuilder. Serves POST /api/messages on a free loopback port, writes the port to
// PORT_FILE and closes on SIGTERM. Requires only Node's own modules, so either project can load it.
//   serveBot({ portFile, adapter: () => cloudAdapter, bot, label })
// `adapter` is called for each activity (a bot may build its adapter on the first one); `label`,
// if given, follows the port in the "listening" line.
'use strict';
const http = require('http');
const fs = require('fs');

function serveBot({ portFile, adapter, bot, label }) {
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
        await adapter().process(req, shim, (context) => bot.run(context));
      } catch (e) {
        console.error('bot: process failed:', e && e.message);
        if (!res.writableEnded) { res.statusCode = 500; res.end(); }
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    fs.writeFileSync(portFile, String(server.address().port));
    console.log(`bot: listening on ${server.address().port}${label ? ` (${label})` : ''}`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  return server;
}

module.exports = { serveBot };
