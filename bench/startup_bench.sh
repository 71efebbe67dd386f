#!/usr/bin/env bash
# startup_bench.sh - what one short `reachprobe check` costs in CPU, against ping and fping.
#
# Builds a two-namespace lab (prober 198.18.0.1/30, target 198.18.0.2/30 on a veth) and, in the
# prober namespace, runs each command REPEAT times one after another, reaping each with
# wait4() so its CPU (user+sys, to the microsecond) is its own:
#   reachprobe version                                   (the process's start-up alone)
#   reachprobe check --no-path --count 1 198.18.0.2      (one target: dns skipped, one echo)
#   reachprobe check --no-path 198.18.0.2:22             (one echo and one TCP connect, refused)
#   ping -c 1 -W 1 198.18.0.2, fping -c 1 198.18.0.2     (what a user would run instead)
# and prints the median and the lowest CPU and wall of each, the shared objects the binary
# loads at start-up, and issue 14's goal (a one-target check at most 5 ms of CPU before its
# first packet; the whole check's CPU is printed, an upper bound of that). Not a test.
#
# usage: sudo bench/startup_bench.sh [REACHPROBE_BINARY]
# env:   REACHPROBE  binary (default build/reachprobe), REPEAT runs per command (default 20)
set -euo pipefail
export LC_ALL=C

bench_name=startup_bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

reachprobe=${1:-${REACHPROBE:-$repo_root/build/reachprobe}}
repeat=${REPEAT:-20}
require_root
require_tools ip python3
require_reachprobe
check_positive REPEAT "$repeat"
find_python

ns_p="rpst$$-p"
ns_t="rpst$$-t"
lab_begin rpst "$ns_p" "$ns_t"
lab_link "$ns_p" veth-p "$ns_t" veth-t

cat >"$work/helper.py" <<'PY'
"""Runs each command REPEAT times, reaped with wait4(); prints median and lowest CPU and wall."""
import os, statistics, sys, time

repeat = int(sys.argv[1])
commands = [c.split("\t") for c in sys.argv[2:]]
print(f'{"command":<62}{"CPU ms p50":>11}{"min":>8}{"wall ms p50":>12}{"exit":>6}')
print("-" * 99)
for argv in commands:
    if not os.path.exists(argv[0]):
        print(f'{" ".join(argv):<62}  (not installed)')
        continue
    cpu, wall, codes = [], [], set()
    for _ in range(repeat):
        devnull = os.open(os.devnull, os.O_RDWR)
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0),
                                           (os.POSIX_SPAWN_DUP2, devnull, 1),
                                           (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, ru = os.wait4(pid, 0)
        wall.append((time.perf_counter() - t0) * 1000)
        os.close(devnull)
        cpu.append((ru.ru_utime + ru.ru_stime) * 1000)
        codes.add(os.waitstatus_to_exitcode(status))
    name = " ".join(argv).replace(os.path.dirname(argv[0]) + "/", "")
    print(f'{name[:61]:<62}{statistics.median(cpu):>11.2f}{min(cpu):>8.2f}'
          f'{statistics.median(wall):>12.2f}{",".join(map(str, sorted(codes))):>6}')
PY

fping_bin=$(command -v fping || echo /usr/bin/fping)
ping_bin=$(command -v ping || echo /usr/bin/ping)
echo "startup_bench: one short check, reachprobe against ping and fping"
echo "  lab $ns_p (198.18.0.1) -> $ns_t (198.18.0.2); $(host_summary); $("$reachprobe" version 2>&1 | head -n 1)"
echo "  $repeat runs per command, one after another; CPU = user+sys of the process (wait4)"
echo "  shared objects loaded at start-up: $(ldd "$reachprobe" | grep -c '=>')"
echo
ip netns exec "$ns_p" "$python" "$work/helper.py" "$repeat" \
  "$reachprobe"$'\t'version \
  "$reachprobe"$'\t'check$'\t'--no-path$'\t'--count$'\t'1$'\t'198.18.0.2 \
  "$reachprobe"$'\t'check$'\t'--no-path$'\t'--count$'\t'1$'\t'198.18.0.2:22 \
  "$ping_bin"$'\t'-c$'\t'1$'\t'-W$'\t'1$'\t'198.18.0.2 \
  "$fping_bin"$'\t'-c$'\t'1$'\t'198.18.0.2
cat <<'NOTE'

Goal (issue 14): a one-target check spends at most 5 ms of CPU before its first packet; the
figure above is the whole check's CPU (start-up, the echo, the report), so it bounds that from
above. `reachprobe version` is the process's start-up alone: the dynamic loader binding the
shared objects, which is most of it (`LD_DEBUG=statistics reachprobe version` shows the
relocations). 198.18.0.2:22 is refused (nothing listens), so that check also fails (exit 1).
NOTE
