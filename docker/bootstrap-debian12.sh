#!/usr/bin/env bash
# Installs every Debian 12 package that reachprobe's build, tests, lab and benchmarks need.
# Idempotent: installs only what is missing, so running it twice is a no-op the second time.
#
# usage: bootstrap-debian12.sh            everything (build, tests, lab, benchmarks)
#        bootstrap-debian12.sh --build    only what building the binary needs (the `image`
#                                         preset; the container image's build stage)
set -euo pipefail

# What building the binary needs (libboost1.81-dev: Asio with awaitable operators and as_tuple;
# Beast; RE2: Go's regexp syntax for every regexp a blackbox config holds).
build_packages=(
  build-essential cmake pkg-config
  libboost1.81-dev libc-ares-dev libssl-dev libssh-dev libcurl4-openssl-dev
  prometheus-cpp-dev libyaml-cpp-dev nlohmann-json3-dev libre2-dev libsqlite3-dev
)

packages=(
  "${build_packages[@]}"
  # formatting; the fuzz targets (tests/fuzz): clang with libFuzzer, ASan and UBSan
  clang-format clang-15 libfuzzer-15-dev
  # the tests (python3-yaml: the compose file's check)
  libgtest-dev python3-yaml
  # the lab: namespaces, firewalls, a real DNS server, listeners, reference tools
  iproute2 nftables dnsmasq-base iputils-ping fping procps python3 psmisc time util-linux
  # the SSH lab: a real sshd in the target namespace, keys, password hashes
  openssh-server openssh-client openssl
  # the web lab: a real nginx, a grpc++ health server (built by the tests), curl as a witness
  nginx libgrpc++-dev curl
  # serve's differential tests: the reference exporter, and Prometheus with promtool
  prometheus-blackbox-exporter prometheus
  # the status page's tests in a real headless browser
  chromium
  # the container image (docker/): podman with runc (crun fails on these hosts' hybrid
  # cgroups), a debootstrapped Debian 12 base instead of a registry's
  podman runc debootstrap
  # profiling (the benchmarks' perf reports)
  linux-perf
)
case "${1:-}" in
  "") ;;
  --build) packages=("${build_packages[@]}") ;;
  *)
    echo "usage: $0 [--build]" >&2
    exit 2
    ;;
esac

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
