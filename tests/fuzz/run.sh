#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-15, ASan + UBSan) in build-fuzz/ and runs each for a
# bounded time from a scratch copy of its seeds (tests/fuzz/corpus/<target>/) plus the inputs
# that once crashed it (tests/fuzz/regressions/<target>/), with tests/fuzz/dict/<target>.dict
# when there is one. One line per target with its
# executions; exit 1 if any target crashed, hung or ran out of memory, with the input's path.
#   FUZZ_SECONDS=60 tests/fuzz/run.sh            # longer runs
#   tests/fuzz/run.sh dns_message icmp_packet    # some targets only
# Skips (exit 0) when clang-15 or libFuzzer (libfuzzer-15-dev) is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-20}"

if ! command -v clang++-15 >/dev/null 2>&1; then
  echo "fuzz: SKIPPED: clang++-15 not installed (apt-get install clang-15 libfuzzer-15-dev)"
  exit 0
fi
if ! compgen -G "/usr/lib/llvm-15/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; then
  echo "fuzz: SKIPPED: libFuzzer not installed (apt-get install libfuzzer-15-dev)"
  exit 0
fi

# Builds take the shared build lock (one build at a time on this machine kind).
lock=()
command -v flock >/dev/null 2>&1 && lock=(flock /tmp/rp-build.lock)
mkdir -p "$build"
CXX=clang++-15 cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
"${lock[@]}" cmake --build "$build" -j2 >"$build/build.log" 2>&1 ||
  { tail -n 40 "$build/build.log"; exit 1; }

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for exe in "$build"/fuzz_*; do
    [ -x "$exe" ] && [ -f "$exe" ] && targets+=("${exe##*/fuzz_}")
  done
fi

logs="$build/logs"
artifacts="$build/artifacts"
mkdir -p "$logs" "$artifacts"
failed=0
for target in "${targets[@]}"; do
  exe="$build/fuzz_$target"
  # A scratch corpus: what the run discovers is not committed, only the seeds are.
  scratch="$(mktemp -d "/tmp/rp-fuzz-$target.XXXXXX")"
  [ -d "$here/corpus/$target" ] && cp "$here/corpus/$target"/* "$scratch"/ 2>/dev/null || true
  dirs=("$scratch")
  [ -d "$here/regressions/$target" ] && dirs+=("$here/regressions/$target")
  # A dictionary of the format's keywords where one helps: yaml-cpp is a prebuilt library
  # without coverage instrumentation, so the config keys cannot be learnt from comparisons.
  dict=()
  [ -f "$here/dict/$target.dict" ] && dict=(-dict="$here/dict/$target.dict")
  log="$logs/$target.log"
  status=0
  "$exe" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$artifacts/$target-" "${dirs[@]}" >"$log" 2>&1 || status=$?
  runs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)"
  [ -n "$runs" ] || runs="$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]\+' | tail -n 1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$')"
  corpus="$(find "$scratch" -type f | wc -l)"
  rm -rf "$scratch"
  if [ "$status" -eq 0 ]; then
    printf 'fuzz %-20s ok     %10s runs in %ss, coverage %s, corpus %s inputs\n' \
      "$target" "${runs:-?}" "$seconds" "${cov:-?}" "$corpus"
  else
    failed=1
    input="$(grep -o "Test unit written to [^ ]*" "$log" | tail -n 1 | sed 's/Test unit written to //')"
    printf 'fuzz %-20s FAILED %10s runs (exit %s): input %s, log %s\n' \
      "$target" "${runs:-?}" "$status" "${input:-none}" "$log"
    grep -E 'ERROR: |fuzz check failed|SUMMARY: ' "$log" | head -n 5 | sed 's/^/    /'
  fi
done
exit "$failed"
