#!/usr/bin/env bash
# The Debian package (scripts/package.sh, CPack): built from this build tree, lintian-clean (in
# package.sh), unpacked into a throwaway root: the files and modes the issue lists, the unit passes
# `systemd-analyze verify` and scores under 2.0 with `systemd-analyze security --offline`, and the
# unpacked binary starts with the shipped example configuration (single-node-tls.toml, its paths
# moved into the root, certificates from the shipped make-test-ca.sh).
# The maintainer scripts (postinst: the parley user, /etc/parley 0750 root:parley) are not run
# here: they would change the machine; they are checked by `sh -n` and read in review.
# Usage: parley_package_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
# shellcheck source=../lib/parley_test.sh
source "$(dirname "$0")/../lib/parley_test.sh"
test_dir t

deb=$("$src/scripts/package.sh" "$build" "$t/out" | tail -n 1) || fail "scripts/package.sh"
[ -f "$deb" ] || fail "no package: $deb"
echo "package: $(basename "$deb") $(stat -c %s "$deb") bytes"
dpkg-deb --info "$deb" >"$t/info" || fail "dpkg-deb --info"
grep -q '^ Package: parley$' "$t/info" || fail "package name"
grep -q '^ Depends:.*adduser' "$t/info" || fail "no dependency on adduser"
grep -q '^ Depends:.*libsystemd0' "$t/info" || fail "shlibdeps did not find libsystemd0"
for s in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$s" >"$t/$s" || fail "no $s"
  sh -n "$t/$s" || fail "$s does not parse"
done
grep -q 'adduser --system' "$t/postinst" || fail "postinst makes no system user"
root=$t/root
dpkg-deb -x "$deb" "$root"
for f in usr/bin/parley lib/systemd/system/parley.service usr/share/man/man1/parley.1.gz \
         usr/share/man/man5/parley.toml.5.gz usr/share/doc/parley/copyright usr/share/doc/parley/operations.md \
         usr/share/doc/parley/examples/single-node-tls.toml usr/share/doc/parley/examples/behind-proxy.toml \
         usr/share/doc/parley/examples/postgres.toml usr/share/doc/parley/examples/make-test-ca.sh; do
  [ -e "$root/$f" ] || fail "the package has no /$f"
done
[ -x "$root/usr/bin/parley" ] || fail "parley is not executable"
# The web bundles, when this tree built them (scripts/install-npm.sh does).
for app in widget desk; do
  if [ -d "$src/web/$app/dist" ]; then [ -d "$root/usr/share/parley/$app" ] || fail "no /usr/share/parley/$app"; fi
done

# The unit, offline: systemd-analyze resolves ExecStart= and the targets inside --root, so the
# root gets the host's unit files (targets) and /bin/kill next to the package's files.
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed"
mkdir -p "$root/bin" "$root/lib/systemd/system"
cp -n /lib/systemd/system/*.target "$root/lib/systemd/system/" 2>/dev/null || true
cp /bin/kill "$root/bin/"
MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" parley.service >"$t/verify" 2>&1 \
  || { cat "$t/verify" >&2; fail "systemd-analyze verify"; }
[ -s "$t/verify" ] && { cat "$t/verify" >&2; fail "systemd-analyze verify warned"; }
systemd-analyze security --offline=true --root="$root" parley.service >"$t/security" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for parley.service: \([0-9.]*\).*/\1/p' "$t/security")
[ -n "$score" ] || { cat "$t/security" >&2; fail "no exposure score"; }
echo "systemd-analyze security: exposure $score"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 2.0 else 1)" "$score" || fail "exposure $score is not under 2.0"
grep -q '^Type=notify$' "$root/lib/systemd/system/parley.service" || fail "the unit is not Type=notify"

# The unpacked binary serves the shipped example (ports 0, paths into the root).
ex=$root/usr/share/doc/parley/examples
mkdir -p "$root/etc/parley" "$root/var/lib/parley" "$root/srv/parley-erasure"
chmod 700 "$root/var/lib/parley" "$root/srv/parley-erasure"
"$ex/make-test-ca.sh" "$root/etc/parley/tls" localhost >/dev/null
cp "$ex/assistant.toml" "$root/etc/parley/assistant.toml"
sed -e "s|/etc/parley/|$root/etc/parley/|g" -e "s|/var/lib/parley|$root/var/lib/parley|g" -e "s|/srv/parley-erasure|$root/srv/parley-erasure|g" -e 's/^port = [0-9]*/port = 0/' \
  "$ex/single-node-tls.toml" >"$root/etc/parley/parley.toml"
PARLEY=$root/usr/bin/parley "$ex/make-secrets.sh" "$root/etc/parley/parley.toml" "$root/etc/parley/secrets" >/dev/null
"$root/usr/bin/parley" check-config "$root/etc/parley/parley.toml" >"$t/check" 2>&1 || { cat "$t/check" >&2; fail "check-config"; }
"$root/usr/bin/parley" serve --config "$root/etc/parley/parley.toml" --ready-file "$t/ready.json" >"$t/serve.log" 2>&1 &
pid=$!
test_pids+=("$pid")
wait_for_file "$t/ready.json" "$pid"
health=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["health"])' "$t/ready.json")
curl -fsS --max-time 10 "$health" >/dev/null || fail "GET $health"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "serve exit code $rc"
echo "package: ok"
