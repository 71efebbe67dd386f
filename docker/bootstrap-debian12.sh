#!/usr/bin/env bash
# Installs every Debian 12 package that reachprobe's build, tests, lab and benchmarks need.
# Idempotent: installs only what is missing, so running it twice is a no-op the second time.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config clang-format
  # the fuzz targets (tests/fuzz): clang with libFuzzer, ASan and UBSan
  clang-15 libfuzzer-15-dev
  # libraries (libboost1.81-dev: Asio with awaitable operators and as_tuple; Beast)
  libboost1.81-dev libc-ares-dev libssl-dev libssh-dev libcurl4-openssl-dev
  prometheus-cpp-dev libyaml-cpp-dev nlohmann-json3-dev libgtest-dev
  # RE2: Go's regexp syntax for every regexp a blackbox config holds
  libre2-dev
  # the lab: namespaces, firewalls, a real DNS server, listeners, reference tools
  iproute2 nftables dnsmasq-base iputils-ping fping procps python3 psmisc time util-linux
  # the SSH lab: a real sshd in the target namespace, keys, password hashes
  openssh-server openssh-client openssl
  # the web lab: a real nginx, a grpc++ health server (built by the tests), curl as a witness
  nginx libgrpc++-dev curl
  # serve's differential tests: the reference exporter, and Prometheus with promtool
  prometheus-blackbox-exporter prometheus
  # the history store of scheduled runs; the status page's tests in a real headless browser
  libsqlite3-dev chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# openssh-server's and nginx's postinsts would start the machine's own sshd and nginx; the lab
# only runs private ones.
# A policy-rc.d that exits 101 makes invoke-rc.d (and deb-systemd-invoke) refuse every start.
# An existing one (Docker images ship one) is left as it is.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 0755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
# libboost1.81-dev conflicts with libboost-dev (1.74 headers); apt removes the older one.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
