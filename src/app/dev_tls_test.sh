#!/usr/bin/env bash
# Black-box test of `parley dev-tls --dir DIR`: a CA and a loopback certificate that verify with
# OpenSSL, private keys 0600 in a 0700 directory, the listener and NODE_EXTRA_CA_CERTS lines; a
# second run keeps the files and prints the same lines; a partial directory is refused.
# Usage: dev_tls_test.sh PATH_TO_PARLEY
set -euo pipefail
parley=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }

"$parley" dev-tls --dir "$dir/tls" >"$dir/out" 2>"$dir/err" || fail "dev-tls: $(cat "$dir/err")"
grep -qx "NODE_EXTRA_CA_CERTS=$dir/tls/ca.pem" "$dir/out" || fail "no NODE_EXTRA_CA_CERTS line: $(cat "$dir/out")"
grep -qx "tls_cert_file = \"$dir/tls/cert.pem\"" "$dir/out" || fail "no tls_cert_file line"
grep -qx "tls_key = { file = \"$dir/tls/key.pem\" }" "$dir/out" || fail "no tls_key line"
[ "$(stat -c %a "$dir/tls")" = 700 ] || fail "directory mode"
[ "$(stat -c %a "$dir/tls/key.pem")" = 600 ] && [ "$(stat -c %a "$dir/tls/ca.key")" = 600 ] || fail "key modes"
openssl verify -CAfile "$dir/tls/ca.pem" -purpose sslserver "$dir/tls/cert.pem" >/dev/null || fail "the certificate does not verify"
openssl x509 -in "$dir/tls/cert.pem" -noout -ext subjectAltName | grep -q "IP Address:127.0.0.1" || fail "no 127.0.0.1 SAN"
openssl x509 -in "$dir/tls/ca.pem" -noout -ext basicConstraints | grep -q "CA:TRUE" || fail "the CA is no CA"
before=$(sha256sum "$dir/tls/"*)
"$parley" dev-tls --dir "$dir/tls" >"$dir/out2" 2>/dev/null || fail "second run"
diff -q "$dir/out" "$dir/out2" >/dev/null || fail "second run printed other lines"
[ "$(sha256sum "$dir/tls/"*)" = "$before" ] || fail "second run changed the files"
rm "$dir/tls/cert.pem"
if "$parley" dev-tls --dir "$dir/tls" >/dev/null 2>"$dir/err3"; then fail "a partial directory was accepted"; fi
grep -q "nothing is overwritten" "$dir/err3" || fail "unclear refusal: $(cat "$dir/err3")"
echo "dev-tls: passed"
