// The peer's channel: offline-directline 1.3.1, mounted exactly as its CLI does (an Express app
// with the package's own router), except that it listens on loopback on a free port instead of a
// fixed port on every interface. The router is built once the port is known, because its
// serviceUrl (where the bot replies) must name that port (directline-3.0.md §9.1: the CLI's
// `-d` is a bare port for the same reason). Its 10-second cleanup timer is not exported and so
// does not run: it only drops conversations idle for 30 minutes, longer than any benchmark run.
//   node directline.js PORT_FILE BOT_URL
'use strict';
const fs = require('fs');
const express = require('express');
const { getRouter } = require('offline-directline');

const [portFile, botUrl] = process.argv.slice(2);
if (!portFile || !botUrl) {
  console.error('usage: node directline.js PORT_FILE BOT_URL');
  process.exit(2);
}
const app = express();
const server = app.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  app.use(getRouter(`http://127.0.0.1:${port}`, botUrl, true));
  fs.writeFileSync(portFile, String(port));
  console.log(`directline: listening on ${port}, bot ${botUrl}`);
});
// Node's default keep-alive timeout (5 s) would close idle polling connections between runs.
server.keepAliveTimeout = 60000;
server.headersTimeout = 61000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
