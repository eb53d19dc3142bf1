#!/bin/sh
# A throwaway CA and a server certificate it signs, for trying a TLS configuration before the real
# certificate arrives. NOT for production: the CA key lies beside the certificates.
# Usage: make-test-ca.sh DIR [HOST...]   (default host: localhost; IP addresses are recognised)
# Writes DIR/ca.pem (trust this in the test browser or curl --cacert), DIR/ca.key, DIR/server.pem
# (the certificate followed by nothing: the CA signs it directly) and DIR/server.key (0600: chown it to the parley user).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 DIR [HOST...]" >&2; exit 2; }
dir=$1
shift
[ $# -ge 1 ] || set -- localhost
umask 027
mkdir -p "$dir"
san=
for h in "$@"; do
  case $h in
    *[!0-9.]*) case $h in *:*) entry="IP:$h" ;; *) entry="DNS:$h" ;; esac ;;
    *) entry="IP:$h" ;;
  esac
  san="${san:+$san,}$entry"
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=Parley Test CA $(date -u +%Y%m%dT%H%M%S)" -keyout "$dir/ca.key" -out "$dir/ca.pem" \
  -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
  -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:false\n' \
  "$san" >"$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
  -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
rm -f "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
chmod 600 "$dir/server.key"
chmod 600 "$dir/ca.key"
chmod 644 "$dir/ca.pem" "$dir/server.pem"
echo "test CA in $dir: ca.pem, server.pem and server.key for $*"
