// Turns `openssl speed` output and the Google Benchmark JSON of parley_jose_bench into the
// Markdown table of bench/results/jose.md. Usage: node report.mjs OPENSSL_TXT BENCH_JSON
import { readFileSync } from 'node:fs';

const [speedFile, benchFile] = process.argv.slice(2);
const speed = readFileSync(speedFile, 'utf8');
const bench = JSON.parse(readFileSync(benchFile, 'utf8'));

// openssl speed lines end with "<sign/s> <verify/s>".
const ossl = {};
for (const [alg, re] of [
  ['ES256', /ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/],
  ['EdDSA', /EdDSA \(Ed25519\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/],
  ['RS256', /rsa 2048 bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/],
]) {
  const m = speed.match(re);
  ossl[alg] = m ? { sign: Number(m[1]), verify: Number(m[2]) } : null;
}

// Google Benchmark: name "fn/ALG", real_time per iteration in time_unit.
const unit = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1 };
const perSec = {};
const perOp = {};
for (const b of bench.benchmarks) {
  const [fn, alg] = b.name.split('/');
  const seconds = b.real_time * unit[b.time_unit];
  (perSec[alg] ??= {})[fn] = 1 / seconds;
  (perOp[alg] ??= {})[fn] = seconds * 1e6;
}

const fmt = (n) => (n == null ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const pct = (a, b) => (a && b ? `${Math.round((100 * a) / b)}%` : 'n/a');
const us = (n) => (n == null ? 'n/a' : n.toFixed(1));
const ctx = bench.context;
const lines = [];
lines.push('# jose: JWS sign and verify throughput');
lines.push('');
lines.push(`Measured by \`bench/jose/run.sh\` on ${ctx.date} (${ctx.num_cpus} CPUs, ${ctx.mhz_per_cpu} MHz, one thread),`);
lines.push('`openssl speed` from the same OpenSSL 3.0 in the same run. Operations per second; higher is better.');
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
