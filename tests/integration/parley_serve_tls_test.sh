#!/usr/bin/env bash
# SECURITY.md promise 7 on the product itself: `parley serve` with a TLS listener configured the way
# an operator does it (an RSA-2048 certificate chain issued by a CA, its key by file reference,
# 0600), scanned by Debian's sslscan. The report must show TLS 1.2 and 1.3 with ECDHE AEAD suites
# only (sslscan_check: the same profile net_tls_test checks on the net server with an EC
# certificate). curl then verifies the chain and host name and sees HSTS; TLS 1.1 is refused.
# Usage: parley_serve_tls_test.sh PARLEY SSLSCAN_CHECK
set -euo pipefail
bin=$1
check=$2
# shellcheck source=../lib/parley_test.sh
source "$(dirname "$0")/../lib/parley_test.sh"
command -v sslscan >/dev/null || fail "sslscan is not installed (scripts/install-deps.sh installs it)"
test_dir dir
cd "$dir"

# A CA and a server certificate for localhost / 127.0.0.1, as a public CA would issue it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Parley Test Root CA" \
  -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:true" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:false\n' >ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.pem 2>/dev/null
chmod 600 server.key

cat >tls.toml <<'TOML'
[net]
threads = 2
[[net.listeners]]
name = "ops"
address = "127.0.0.1"
port = 0
tls_cert_file = "server.pem"
tls_key = { file = "server.key" }
TOML
"$bin" check-config tls.toml >/dev/null
"$bin" serve --config tls.toml --ready-file ready.json >serve.log 2>&1 &
pid=$!
test_pids+=("$pid")
wait_for_file ready.json "$pid"
health=$(sed -n 's/.*"health":"\([^"]*\)".*/\1/p' ready.json)
case $health in https://*) ;; *) fail "the listener is not TLS: $health" ;; esac
port=$(echo "$health" | sed -n 's|https://[^:]*:\([0-9]*\)/.*|\1|p')

# The chain verifies for the host name, and HSTS is on.
curl -fsS --max-time 10 --cacert ca.pem -D headers -o body "https://localhost:$port/healthz"
grep -qi '^strict-transport-security: max-age=' headers || fail "no HSTS header: $(cat headers)"
# An old client is refused.
if curl -sS --max-time 10 --cacert ca.pem --tlsv1.1 --tls-max 1.1 -o /dev/null "https://localhost:$port/healthz" 2>/dev/null; then
  fail "TLS 1.1 was accepted"
fi

timeout 180 sslscan --no-colour --xml=sslscan.xml "127.0.0.1:$port" >sslscan.txt 2>&1 || { cat sslscan.txt; exit 1; }
"$check" sslscan.xml || { cat sslscan.txt; exit 1; }
grep -q 'RSA Key Strength: *2048' sslscan.txt || { cat sslscan.txt; fail "the scan did not see the RSA-2048 certificate"; }

kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "serve exit code $rc"
grep -E "Preferred|Accepted|enabled|Key Strength" sslscan.txt || true
echo "parley serve TLS: ok"
