// Builds dist/parley-widget.js (+ .css for browsers without constructable stylesheets) and the
// test-only fixture bundle dist/test/parley-widget-fixture.js, then enforces the size budget:
// the widget must stay at or below 35 KB gzipped, or the build fails.
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const budget_gzip_bytes = 35 * 1024;
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

const common = {
  bundle: true,
  format: 'iife',
  target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
  minify: true,
  legalComments: 'none',
  loader: { '.css': 'text' },
  define: { __PARLEY_WIDGET_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
  absWorkingDir: root,
};

mkdirSync(join(dist, 'test'), { recursive: true });
await build({ ...common, entryPoints: ['src/main.ts'], outfile: join(dist, 'parley-widget.js'), sourcemap: 'linked' });
await build({ ...common, entryPoints: ['src/testing/fixture_entry.ts'], outfile: join(dist, 'test', 'parley-widget-fixture.js') });
copyFileSync(join(root, 'src', 'ui', 'styles.css'), join(dist, 'parley-widget.css'));

const bundle = readFileSync(join(dist, 'parley-widget.js'));
const forbidden = [/\beval\s*\(/, /new\s+Function\s*\(/, /\.innerHTML\s*=/, /\.outerHTML\s*=/, /insertAdjacentHTML/, /document\.write/, /localStorage/, /sessionStorage/, /indexedDB/, /document\.cookie/];
for (const pattern of forbidden) {
  if (pattern.test(bundle.toString('utf8'))) {
    console.error(`build: parley-widget.js contains ${pattern}; not allowed in the widget`);
    process.exit(1);
  }
}
const gz = gzipSync(bundle, { level: 9 }).length;
const css = readFileSync(join(dist, 'parley-widget.css'));
const report = { raw_bytes: bundle.length, gzip_bytes: gz, budget_gzip_bytes, css_raw_bytes: css.length, css_gzip_bytes: gzipSync(css, { level: 9 }).length };
writeFileSync(join(dist, 'size.json'), JSON.stringify(report, null, 2) + '\n');
console.log(`build: parley-widget.js ${(bundle.length / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzipped (budget ${budget_gzip_bytes / 1024} KiB)`);
if (gz > budget_gzip_bytes) {
  console.error(`build: parley-widget.js is ${gz} bytes gzipped, over the ${budget_gzip_bytes}-byte budget`);
  process.exit(1);
}
