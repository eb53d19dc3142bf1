// A tiny static file server on 127.0.0.1 (port 0) for the tests that run without Parley. It serves
// only files: the built widget under /widget/, its test-only fixture bundle under /test/, and the
// test pages under /. There is no fake Direct Line or token endpoint: POST /api/token gets 404.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json', '.svg': 'image/svg+xml' };

/** The policy the widget must live under (from the task: script-src 'self'; style-src 'self'). */
export const strict_csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * mounts: { '/widget/': '/abs/dir', '/x/': { dir: '/abs/dir', csp: null } } — longest prefix wins;
 * every mount gets `strict_csp` unless it names its own (null = the page brings its own meta CSP);
 * `replace: { from: to }` rewrites .html files the way `parley demo` fills its placeholders.
 */
export async function serve_static(mounts) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    requests.push({ method: req.method, path: url.pathname });
    const prefix = prefixes.find((p) => url.pathname.startsWith(p));
    const rel = prefix ? normalize(decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html') : null;
    if (req.method !== 'GET' || !rel || rel.startsWith('..')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const mount = typeof mounts[prefix] === 'string' ? { dir: mounts[prefix], csp: strict_csp } : mounts[prefix];
      let body = await readFile(join(mount.dir, rel));
      if (mount.replace && rel.endsWith('.html')) {
        let text = body.toString('utf8');
        for (const [from, to] of Object.entries(mount.replace)) text = text.split(from).join(to);
        body = Buffer.from(text);
      }
      const headers = { 'Content-Type': types[extname(rel)] ?? 'application/octet-stream', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
      if (mount.csp) headers['Content-Security-Policy'] = mount.csp;
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
