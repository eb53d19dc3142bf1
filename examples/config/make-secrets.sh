#!/bin/sh
# Makes the secrets an example configuration refers to, in SECRETS_DIR (created 0750): the root
# key (`parley keys init`), the bot's channel secret and app password (random); every file 0600, and writes
# the two hashes into CONFIG in place of CHANGE-ME-channel-secret-hash / CHANGE-ME-app-password-hash.
# Usage: make-secrets.sh CONFIG SECRETS_DIR   (PARLEY=/path/to/parley to use another binary)
# Run it as root for /etc/parley/secrets; then `chown parley: SECRETS_DIR/*` (Parley refuses a
# secret file that others than its owner can read; docs/operations.md, "Configure").
set -eu
[ $# -eq 2 ] || { echo "usage: $0 CONFIG SECRETS_DIR" >&2; exit 2; }
config=$1
dir=$2
parley=${PARLEY:-parley}
umask 077
mkdir -p "$dir"
chmod 750 "$dir"
random() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n'; }
for name in channel-secret app-password; do
  if [ ! -s "$dir/$name" ]; then
    random >"$dir/$name.tmp"
    mv "$dir/$name.tmp" "$dir/$name"
  fi
done
[ -s "$dir/root.key" ] || "$parley" keys init --root-key-file "$dir/root.key" >/dev/null
secret_hash=$(cat "$dir/channel-secret" | "$parley" channel hash-secret)
password_hash=$(cat "$dir/app-password" | "$parley" channel hash-secret)
tmp="$config.tmp.$$"
sed -e "s|CHANGE-ME-channel-secret-hash|$secret_hash|" -e "s|CHANGE-ME-app-password-hash|$password_hash|" "$config" >"$tmp"
chmod --reference="$config" "$tmp" 2>/dev/null || true
mv "$tmp" "$config"
echo "secrets in $dir; hashes written into $config"
