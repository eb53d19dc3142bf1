#!/usr/bin/env bash
# Installs every Debian package Parley needs to build, run and test. Idempotent: a second run
# installs nothing and takes a second. Runs as root on Debian 12 (uses sudo otherwise).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang clang-format clang-tidy
  libclang-rt-14-dev
  # libraries (see docs/adr/0001-dependencies.md)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libpqxx-dev libqpid-proton-cpp12-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsystemd-dev  # sd_notify (Type=notify units)
  # services and tools the tests and benchmarks start
  postgresql sqlite3 sslscan openssl wrk gdb procps curl ca-certificates
  rabbitmq-server  # the bus tests' AMQP 1.0 broker (plugin enabled per test broker: src/bus/amqp/testing)
  haproxy  # the load balancer of examples/cluster and the cluster tests
  python3  # bench/*/run.sh turn Google Benchmark JSON into Markdown tables
  tzdata  # the desk's opening hours read time zones from /usr/share/zoneinfo (src/desk/hours.cpp)
  # the package and its checks (scripts/package.sh; docs/operations.md): lintian, promtool (the
  # alert rules), systemd-analyze (verify and security on the unit)
  lintian prometheus systemd
  chromium nodejs
)

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm comes with nodejs from some sources and as its own Debian package from others.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian postgresql package starts a cluster on port 5432, rabbitmq-server a broker on 5672
# and prometheus a server on 9090 where a service manager runs; tests start their own on random
# ports (prometheus is here for promtool only).
echo "install-deps: all packages present"
