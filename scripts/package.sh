#!/usr/bin/env bash
# Builds the Debian package (CPack DEB): the parley binary, the widget and desk bundles, the
# systemd unit, man pages and example configurations (cmake/packaging.cmake, packaging/).
# Usage: scripts/package.sh [BUILD_DIR [OUT_DIR]]
#   BUILD_DIR defaults to build/release (configured and built with the release preset when absent);
#   a tree of another preset (build/ci) is packaged as built. The .deb lands in OUT_DIR (default
#   BUILD_DIR/packages) and its path is printed last. `lintian` checks it when installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
out=${2:-$build/packages}
if [ ! -f "$build/CMakeCache.txt" ]; then
  [ "$build" = "$root/build/release" ] || { echo "package: $build is not a configured build tree" >&2; exit 2; }
  (cd "$root" && cmake --preset release)
fi
cmake --build "$build" --target parley parley_package_files
# The web bundles: built when npm is there and they are missing (scripts/install-npm.sh builds them).
for app in widget desk; do
  if [ ! -d "$root/web/$app/dist" ] && command -v npm >/dev/null && [ -d "$root/web/$app/node_modules" ]; then
    npm run build --prefix "$root/web/$app" >/dev/null
  fi
  [ -d "$root/web/$app/dist" ] || echo "package: warning: web/$app/dist is not built; the package has no $app assets" >&2
done
mkdir -p "$out"
(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log" >&2; exit 1; }
rm -rf "$out/_CPack_Packages"
deb=$(ls -t "$out"/parley_*.deb | head -n 1)
if command -v lintian >/dev/null; then
  lintian --fail-on error,warning "$deb" >&2 || { echo "package: lintian found problems in $deb" >&2; exit 1; }
fi
echo "$deb"
