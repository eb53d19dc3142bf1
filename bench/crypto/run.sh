#!/usr/bin/env bash
# AEAD throughput of crypto::aead_key beside `openssl speed` on this machine, in one run.
# Writes bench/results/crypto.md. Usage: bench/crypto/run.sh   (PRESET=ci to reuse the ci build)
set -euo pipefail
. "$(dirname "$0")/../lib/bench.sh"
seconds=${SECONDS_PER_RUN:-3}
bench_build parley_crypto_bench
bin=$build_dir/bench/crypto/parley_crypto_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# openssl speed -mr prints "+F:<n>:AES-256-GCM:<bytes per second>".
speed() {  # speed <label> <extra args...>
  local label=$1; shift
  for size in 1024 65536; do
    local v
    v=$(openssl speed -mr -seconds "$seconds" -bytes "$size" "$@" -evp aes-256-gcm 2>/dev/null |
        awk -F: '/^\+F:/ {print $4}')
    echo "$label $size $v" >>"$tmp/openssl.txt"
  done
}
load_before=$(load_avg)
speed encrypt
speed decrypt -decrypt
speed aead -aead
"$bin" --benchmark_min_time="$seconds" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_format=json >"$tmp/bench.json" 2>/dev/null
load_after=$(load_avg)

python3 - "$tmp/openssl.txt" "$tmp/bench.json" "$preset" "$seconds" "$load_before" "$load_after" \
  >bench/results/crypto.md <<'PY'
import json, subprocess, sys
openssl_file, bench_file, preset, seconds, load_before, load_after = sys.argv[1:]
ossl = {}
for line in open(openssl_file):
    label, size, value = line.split()
    ossl[(label, int(size))] = float(value) / 1e6
bench = json.load(open(bench_file))
ours = {}
for b in bench["benchmarks"]:
    if b.get("aggregate_name") == "median":
        ours[b["run_name"]] = b.get("bytes_per_second", 0) / 1e6, b["cpu_time"], b["time_unit"]
def mb(name): return ours[name][0]
cpu = bench["context"].get("host_name", "?")
ver = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
print("# crypto: AES-256-GCM throughput\n")
print(f"Measured by `bench/crypto/run.sh` (preset `{preset}`, {seconds} s per measurement, medians of 3 for Parley)"
      f" on {bench['context']['num_cpus']} CPUs at {bench['context']['mhz_per_cpu']} MHz, {ver}.")
print(f"Load average before/after: {load_before} / {load_after} (the machine is shared: figures are noisy).\n")
print("MB/s = 10^6 bytes of plaintext per second of CPU time: `openssl speed` counts user CPU time by default and"
      " Google Benchmark computes rates from CPU time, so both sides are measured alike on a busy machine.\n")
print("| record | Parley seal | Parley open | `openssl speed -evp` | `openssl speed -decrypt -evp` | `openssl speed -aead -evp` | seal / speed | open / speed -decrypt |")
print("|---|---|---|---|---|---|---|---|")
for size in (1024, 65536):
    s = mb(f"BM_seal/bytes:{size}/cached_ctx:1"); o = mb(f"BM_open/bytes:{size}/cached_ctx:1")
    e, d, a = ossl[("encrypt", size)], ossl[("decrypt", size)], ossl[("aead", size)]
    print(f"| {size // 1024} KiB | {s:.0f} | {o:.0f} | {e:.0f} | {d:.0f} | {a:.0f} | {100 * s / e:.0f}% | {100 * o / d:.0f}% |")
print("\n`openssl speed -evp` streams one long message (no per-record nonce, associated data or tag);"
      " `-aead` seals each record separately with a 13-byte AAD, like Parley does. Parley's seal also draws a"
      " random nonce, writes the header (key id, version, nonce) and counts the key's uses.\n")
print("| other measurements | CPU time per op | MB/s |")
print("|---|---|---|")
for name, label in [("BM_seal/bytes:1024/cached_ctx:0", "seal 1 KiB, per-call context (long-lived keys)"),
                    ("BM_open/bytes:1024/cached_ctx:0", "open 1 KiB, per-call context"),
                    ("BM_evp_record/bytes:1024", "raw EVP record, 1 KiB (same process)"),
                    ("BM_evp_record/bytes:65536", "raw EVP record, 64 KiB (same process)"),
                    ("BM_sealed_secret_open", "sealed 1 KiB token: open into protected memory + wipe")]:
    rate, t, unit = ours[name]
    print(f"| {label} | {t:.0f} {unit} | {rate:.0f} |" if rate else f"| {label} | {t:.0f} {unit} | - |")
PY
cat bench/results/crypto.md
