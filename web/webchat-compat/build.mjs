// Assembles dist/: the page's own files from src/ plus Microsoft's official Web Chat bundle copied
// from node_modules (botframework-webchat 4.18.0, pinned in package-lock.json). dist/ is not committed.
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const webchat = join(root, 'node_modules', 'botframework-webchat');
const version = JSON.parse(readFileSync(join(webchat, 'package.json'), 'utf8')).version;
if (!version.startsWith('4.18.')) {
  console.error(`webchat-compat: expected botframework-webchat 4.18.x, found ${version}`);
  process.exit(1);
}
mkdirSync(dist, { recursive: true });
for (const file of readdirSync(join(root, 'src'))) copyFileSync(join(root, 'src', file), join(dist, file));
copyFileSync(join(webchat, 'dist', 'webchat.js'), join(dist, 'webchat.js'));
copyFileSync(join(webchat, 'dist', 'webchat.js.LICENSE.txt'), join(dist, 'webchat.js.LICENSE.txt'));
console.log(`webchat-compat: dist/ with botframework-webchat ${version}`);
