// Starts the real platform for the end-to-end tests: `$PARLEY_BIN demo --data-dir TMP --ready-file F`,
// waits for the ready file, and reads the URLs from it.
//
// The ready file is a JSON object written once everything listens, e.g.
//   {"site": "http://127.0.0.1:8400/", "bot": "http://127.0.0.1:8400", "channel": "http://127.0.0.1:8401/v3/directline"}
// Only `site` is required here (the BankX demo site, which embeds the widget and serves
// /webchat-compat/). The tests are skipped — not failed — only when the server cannot serve the
// site yet: PARLEY_BIN unset, no `demo` subcommand, or a ready file without `site`. Any other
// failure to start is a test failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifacts } from './browser.mjs';

const ready_timeout_ms = 90_000;

function read_ready(file) {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8').trim();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null; // still being written
  }
}

/**
 * Resolves to { skip: reason } or { site, bot, channel, ready, data_dir, stop() }.
 * `options.args`: more `parley demo` arguments (e.g. ['--port-base', '0']); `options.log`: the
 * log file's name in artifacts/.
 */
export async function start_demo(options = {}) {
  const bin = process.env.PARLEY_BIN;
  if (!bin) return { skip: 'PARLEY_BIN is not set (the end-to-end tests need the parley binary)' };
  if (!existsSync(bin)) return { skip: `PARLEY_BIN=${bin} does not exist (build the parley target first)` };

  const dir = mkdtempSync(join(tmpdir(), 'parley-demo-'));
  const ready_file = join(dir, 'ready.json');
  mkdirSync(artifacts, { recursive: true });
  const log = openSync(join(artifacts, options.log ?? 'parley-demo.log'), 'w');
  const extra = [...(options.args ?? []), ...(process.env.PARLEY_DEMO_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(bin, ['demo', '--data-dir', join(dir, 'data'), '--ready-file', ready_file, ...extra], { stdio: ['ignore', log, log], detached: true });
  let exit = null;
  child.on('exit', (code, signal) => (exit = { code, signal }));

  const stop = async () => {
    if (exit === null) {
      // The demo runs in its own process group, so whatever it started goes with it.
      const signal_group = (sig) => {
        try {
          process.kill(-child.pid, sig);
        } catch {
          child.kill(sig);
        }
      };
      signal_group('SIGTERM');
      const deadline = Date.now() + 10_000;
      while (exit === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (exit === null) signal_group('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const started = Date.now();
  let ready = null;
  while (!(ready = read_ready(ready_file))) {
    if (exit !== null) {
      await stop();
      const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
      if (!/\bdemo\b/.test(`${help.stdout}${help.stderr}`)) return { skip: 'parley has no `demo` subcommand yet' };
      throw new Error(`parley demo exited (${JSON.stringify(exit)}) before writing ${ready_file}; see artifacts/parley-demo.log`);
    }
    if (Date.now() - started > ready_timeout_ms) {
      await stop();
      throw new Error(`parley demo wrote no ready file within ${ready_timeout_ms} ms; see artifacts/parley-demo.log`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const site = ready.site ?? ready.site_url;
  if (typeof site !== 'string' || site === '') {
    await stop();
    return { skip: 'parley demo does not serve the BankX site yet (its ready file has no `site` URL)' };
  }
  const base = site.endsWith('/') ? site : `${site}/`;
  return { site: base, bot: ready.bot ?? null, channel: ready.channel ?? null, ready, data_dir: join(dir, 'data'), stop };
}
