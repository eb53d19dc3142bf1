// Turns the `openssl speed` outputs and Google Benchmark JSONs of parley_jose_bench (several
// interleaved rounds) into the Markdown of bench/results/jose.md, keeping the best round of each
// figure (the machine is shared, so slower rounds measure the neighbours, not the code).
// openssl speed divides by CPU user time by default, so Parley's figures use CPU time too.
// Usage: node report.mjs RAW_DIR LOAD_BEFORE LOAD_AFTER
import { readFileSync, readdirSync } from 'node:fs';

const [dir, loadBefore, loadAfter] = process.argv.slice(2);
const files = readdirSync(dir);
const max = (a, b) => (a == null ? b : Math.max(a, b));

// openssl speed lines end with "<sign/s> <verify/s>".
const ossl = {};
let rounds = 0;
for (const f of files.filter((n) => /^jose-openssl-\d+\.txt$/.test(n))) {
  rounds++;
  const speed = readFileSync(`${dir}/${f}`, 'utf8');
  for (const [alg, re] of [
    ['ES256', /ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/],
    ['EdDSA', /EdDSA \(Ed25519\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/],
    ['RS256', /rsa 2048 bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/],
  ]) {
    const m = speed.match(re);
    if (!m) continue;
    const o = (ossl[alg] ??= {});
    o.sign = max(o.sign, Number(m[1]));
    o.verify = max(o.verify, Number(m[2]));
  }
}

// Google Benchmark: name "fn/ALG[/min_time:...]", cpu_time per iteration in time_unit.
const unit = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1 };
const perSec = {};
let bench;
for (const f of files.filter((n) => /^jose-bench-\d+\.json$/.test(n))) {
  bench = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  for (const b of bench.benchmarks) {
    const [fn, alg] = b.name.split('/');
    const p = (perSec[alg] ??= {});
    p[fn] = max(p[fn], 1 / (b.cpu_time * unit[b.time_unit]));
  }
}
const perOp = {};
for (const [alg, fns] of Object.entries(perSec)) {
  perOp[alg] = Object.fromEntries(Object.entries(fns).map(([fn, v]) => [fn, 1e6 / v]));
}

const fmt = (n) => (n == null ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const pct = (a, b) => (a && b ? `${Math.round((100 * a) / b)}%` : 'n/a');
const us = (n) => (n == null ? 'n/a' : n.toFixed(1));
const ctx = bench.context;
const lines = [];
lines.push('# jose: JWS sign and verify throughput');
lines.push('');
lines.push(`Measured by \`bench/jose/run.sh\` on ${ctx.date} (${ctx.num_cpus} CPUs, ${ctx.mhz_per_cpu} MHz, one thread),`);
lines.push(`best of ${rounds} interleaved rounds of \`openssl speed\` (same OpenSSL 3.0) and parley_jose_bench; CPU time on`);
lines.push(`both sides. Load average before/after: ${loadBefore} / ${loadAfter} (the machine is shared).`);
lines.push('Operations per second; higher is better.');
lines.push('');
lines.push('| alg | openssl sign/s | Parley raw sign/s | % | openssl verify/s | Parley raw verify/s | % | token sign/s | token validate/s | uncached verify/s |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const alg of ['ES256', 'EdDSA', 'RS256']) {
  const o = ossl[alg] ?? {};
  const p = perSec[alg] ?? {};
  lines.push(`| ${alg} | ${fmt(o.sign)} | ${fmt(p.raw_sign)} | ${pct(p.raw_sign, o.sign)} | ${fmt(o.verify)} | ${fmt(p.raw_verify)} | ${pct(p.raw_verify, o.verify)} | ${fmt(p.token_sign)} | ${fmt(p.token_validate)} | ${fmt(p.uncached_verify)} |`);
}
lines.push('');
lines.push('Per-token cost for the channel (µs per operation, one core):');
lines.push('');
lines.push('| alg | raw verify | token validate (parse + verify + claims) | token sign |');
lines.push('|---|---:|---:|---:|');
for (const alg of ['ES256', 'EdDSA', 'RS256']) {
  const p = perOp[alg] ?? {};
  lines.push(`| ${alg} | ${us(p.raw_verify)} | ${us(p.token_validate)} | ${us(p.token_sign)} |`);
}
lines.push('');
lines.push('"raw" is the signature operation on a ~300-byte JWS signing input, including its SHA-256 (and for');
lines.push('ES256 the raw r||s <-> DER conversion); openssl speed signs a 32-byte digest (ECDSA, RSA) or a');
lines.push('short message (Ed25519). "uncached" builds a fresh EVP_MD_CTX per verification, as a naive');
lines.push('implementation would; Parley keeps prepared contexts per key.');
console.log(lines.join('\n'));
