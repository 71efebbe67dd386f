#!/usr/bin/env bash
# The full test suite, from a fresh clone: install packages, build, run unit, integration and
# lab tests, then the unit and integration tests again under AddressSanitizer + UBSan.
# The lab (network namespaces, nftables, dnsmasq, sshd) needs root; without it those tests skip.
set -euo pipefail
cd "$(dirname "$0")/.."

./docker/bootstrap-debian12.sh
cmake --preset default
cmake --build --preset default
# -j1: lab tests assert timing bounds (a check ends within its timeout + 1 s) and must not
# compete with each other for the two cores.
ctest --preset default -j1 "$@"

# Memory and undefined-behaviour errors in the engine (coroutine frames, libssh/c-ares fds).
cmake --preset asan
cmake --build --preset asan --target unit_tests integration_tests
ctest --preset asan -j1 -L 'unit|integration' "$@"
tests/fuzz/run.sh  # each libFuzzer target for 20 s (FUZZ_SECONDS); skips without clang-15
