// Builds dist/ (index.html, desk.js, desk.css) for the desk's /desk/ and /desk/app/ routes, and
// refuses a bundle that evaluates strings, writes HTML or touches browser storage or cookies.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: ['src/main.tsx'],
  absWorkingDir: root,
  outfile: join(dist, 'desk.js'),
  bundle: true,
  format: 'iife',
  target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
  minify: true,
  sourcemap: 'linked',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(root, 'src', 'index.html'), join(dist, 'index.html'));
copyFileSync(join(root, 'src', 'desk.css'), join(dist, 'desk.css'));

const bundle = readFileSync(join(dist, 'desk.js'), 'utf8');
const forbidden = [/\beval\s*\(/, /new\s+Function\s*\(/, /insertAdjacentHTML/, /document\.write/, /localStorage/,
  /sessionStorage/, /indexedDB/, /document\.cookie/];
for (const pattern of forbidden) {
  if (pattern.test(bundle)) {
    console.error(`build: desk.js contains ${pattern}; not allowed in the desk`);
    process.exit(1);
  }
}
// Preact's renderer has an innerHTML path for dangerouslySetInnerHTML; the desk's own code never
// takes it (nor writes HTML any other way).
for (const file of readdirSync(join(root, 'src'))) {
  const text = readFileSync(join(root, 'src', file), 'utf8');
  for (const pattern of [/innerHTML/, /outerHTML/, /dangerouslySetInnerHTML/]) {
    if (pattern.test(text)) {
      console.error(`build: src/${file} uses ${pattern}; not allowed in the desk`);
      process.exit(1);
    }
  }
}
const size = { raw_bytes: bundle.length, gzip_bytes: gzipSync(bundle, { level: 9 }).length };
writeFileSync(join(dist, 'size.json'), JSON.stringify(size, null, 2) + '\n');
console.log(`build: desk.js ${(size.raw_bytes / 1024).toFixed(1)} KiB raw, ${(size.gzip_bytes / 1024).toFixed(1)} KiB gzipped`);
