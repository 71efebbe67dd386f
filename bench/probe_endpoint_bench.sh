#!/usr/bin/env bash
# probe_endpoint_bench.sh - `reachprobe serve` against blackbox_exporter on /probe, per module.
#
# Builds a two-namespace AnyIP lab (an exporter namespace and a target namespace that answers
# ICMP echo, accepts TCP/22 and serves HTTP/80 with nginx on every address of 198.19.0.0/16),
# runs reachprobe serve (127.0.0.1:19115) and prometheus-blackbox-exporter (127.0.0.1:19116)
# side by side in the exporter namespace with the same config file, then, for each module and
# one exporter after the other, issues N GETs of
#   /probe?target=T&module=M   (X-Prometheus-Scrape-Timeout-Seconds: 5)
# for N distinct targets (tcp_connect 198.19.X.Y:22, icmp 198.19.X.Y, http_2xx
# http://198.19.X.Y/), C at a time, and prints probes per second, successes, the exporter's
# CPU per probe (from /proc/PID/stat, user and sys) and its RSS (VmRSS, VmHWM), plus the
# reachprobe/blackbox ratios beside the goals. A benchmark, not a test: no pass/fail.
#
# usage: sudo bench/probe_endpoint_bench.sh [REACHPROBE_BINARY]
# env:   REACHPROBE       binary (default: build/reachprobe under the repository root)
#        BLACKBOX         blackbox_exporter binary (default /usr/bin/prometheus-blackbox-exporter)
#        MODULES          modules to measure, in order (default "tcp_connect icmp http_2xx")
#        N                probes per run, distinct targets (default 3000; 1..60000)
#        CONCURRENCY      requests in flight (default 50; 1..1000)
#        REPEAT           runs per exporter, alternating; the fastest is kept (default 1)
#        WARMUP           unmeasured requests per exporter before its first run (default 50)
#        NEW_CONNECTION   1: one HTTP connection per request (default 0: keep-alive, as Prometheus)
#        RUN_TIMEOUT      seconds before one run is killed (default 300)
#
# Traffic stays inside the lab namespaces and inside 198.18.0.0/15 (RFC 2544 benchmarking
# space). Everything it creates (two namespaces, the listener, both exporters, a temporary
# directory) is removed on exit, including on failure or Ctrl-C.
set -euo pipefail
export LC_ALL=C

bench_name=probe_endpoint_bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh" # skip, die, checks, the lab, clean-up

reachprobe=${1:-${REACHPROBE:-$repo_root/build/reachprobe}}
blackbox=${BLACKBOX:-/usr/bin/prometheus-blackbox-exporter}
modules=${MODULES:-tcp_connect icmp http_2xx}
n=${N:-3000}
concurrency=${CONCURRENCY:-50}
repeat=${REPEAT:-1}
warmup=${WARMUP:-50}
new_connection=${NEW_CONNECTION:-0}
run_timeout=${RUN_TIMEOUT:-300}
scrape_timeout=5
rp_port=19115
bb_port=19116
driver=$bench_dir/probe_endpoint_load.py

# ---- prerequisites: anything missing is a skip, not a failure -------------------------
require_root
require_tools ip python3 timeout
[[ -f $driver ]] || skip "load driver not found: $driver"
require_reachprobe
if [[ ! -x $blackbox && $blackbox == /usr/bin/prometheus-blackbox-exporter ]]; then
  apt_install blackbox_exporter prometheus-blackbox-exporter
fi
[[ -x $blackbox ]] || skip "blackbox_exporter ($blackbox) is missing; install prometheus-blackbox-exporter or set BLACKBOX"
require_epochrealtime
for m in $modules; do
  [[ $m == tcp_connect || $m == icmp || $m == http_2xx ]] || die "MODULES: '$m' is not tcp_connect, icmp or http_2xx"
done
[[ -n ${modules// /} ]] || die "MODULES is empty"
nginx_bin=""
if [[ " $modules " == *" http_2xx "* ]]; then
  nginx_bin=$(command -v nginx 2>/dev/null || true)
  [[ -z $nginx_bin && -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
  if [[ -z $nginx_bin ]]; then
    echo "  note: nginx not found (the nginx package): http_2xx is not measured" >&2
    modules=$(tr ' ' '\n' <<<"$modules" | grep -vx http_2xx | tr '\n' ' ')
    [[ -n ${modules// /} ]] || skip "nginx not found and no other module to measure"
  fi
fi
check_range N "$n" 60000
check_range CONCURRENCY "$concurrency" 1000
check_positive REPEAT "$repeat"
[[ $warmup =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer, got '$warmup'"
[[ $new_connection == 0 || $new_connection == 1 ]] || die "NEW_CONNECTION must be 0 or 1, got '$new_connection'"
check_positive RUN_TIMEOUT "$run_timeout"
find_python
# Both exporters get the same, generous descriptor limit.
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true

# ---- lab -----------------------------------------------------------------------------
# exporters in rppb<pid>-p (198.18.0.1) -> target rppb<pid>-t (198.18.0.2, AnyIP 198.19.0.0/16)
ns_p="rppb$$-p"
ns_t="rppb$$-t"
rp_pid=""
bb_pid=""
nginx_pid=""
lab_kill_signal=KILL # e.g. a driver cut short by a signal
# Called by lab_cleanup before it empties the namespaces: nginx's master takes its workers.
bench_cleanup() {
  [[ -n $nginx_pid ]] && lab_stop_pids 50 "$nginx_pid"
  return 0
}
lab_begin rppb "$ns_p" "$ns_t"

in_p() { ip netns exec "$ns_p" "$@"; }

# The veth, AnyIP, no ICMP rate limiting in the target (every echo answered), room for bursts
# of handshakes on both sides, ephemeral ports and TIME_WAIT reuse on the exporters' side.
lab_scheduling_pair "$ns_p" "$ns_t"

cat >"$work/helper.py" <<'PY'
"""Helpers for probe_endpoint_bench.sh: readiness, target lists and the report."""
import json, sys, time, urllib.request

from benchlib import fmt, header, load


def ready(url, seconds):
    """Waits until url answers 200; prints the body of a first probe of 198.19.0.1:22."""
    deadline = time.monotonic() + float(seconds)
    err = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/-/healthy", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError as e:
            err = e
        time.sleep(0.1)
    else:
        print(f"not ready: {err}")
        sys.exit(1)
    req = urllib.request.Request(url + "/probe?target=198.19.0.1:22&module=tcp_connect",
                                 headers={"X-Prometheus-Scrape-Timeout-Seconds": "5"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read().decode("utf-8", "replace")
            print(body)
    except OSError as e:
        print(f"first probe failed: {e}")
        sys.exit(1)


# The target of address i for each module: every one in the target namespace's AnyIP range.
SHAPES = {"tcp_connect": "{}:22", "icmp": "{}", "http_2xx": "http://{}/"}


def gen(module, n, out, warm_n, warm_out):
    shape = SHAPES[module]
    with open(out, "w") as f:
        f.write("".join(shape.format(f"198.19.{i // 250}.{i % 250 + 1}") + "\n" for i in range(n)))
    # Warm-up targets come from 198.19.250.0 and up, so the measured ones are first contacts.
    with open(warm_out, "w") as f:
        f.write("".join(shape.format(f"198.19.{250 + i // 250}.{i % 250 + 1}") + "\n"
                        for i in range(max(1, warm_n))))


# Issue 14's goals for reachprobe against blackbox at concurrency 50: CPU per probe at most
# this fraction of blackbox's, and probes/s at least 3 times.
CPU_GOAL = {"tcp_connect": 0.1, "icmp": 0.1, "http_2xx": 0.33}
THROUGHPUT_GOAL = 3.0


def report(files):
    recs = load(files)
    header(f'{"module":<12}{"exporter":<12}{"run":>4}{"N":>7}{"C":>5}{"probes/s":>10}{"successes/N":>13}'
           f'{"CPU ms/probe":>14}{"user":>7}{"sys":>7}{"RSS MiB":>9}{"HWM MiB":>9}{"p50 ms":>8}'
           f'{"p99 ms":>8}{"driver CPU s":>14}')
    for r in recs:
        print(f'{r["module"]:<12}{r["exporter"]:<12}{r["run"]:>4}{r["n"]:>7}{r["concurrency"]:>5}'
              f'{fmt(r.get("probes_per_s"), ".1f"):>10}{str(r.get("ok", 0)) + "/" + str(r["n"]):>13}'
              f'{fmt(r.get("exporter_cpu_ms_per_probe"), ".3f"):>14}'
              f'{fmt(r.get("exporter_user_ms_per_probe"), ".3f"):>7}'
              f'{fmt(r.get("exporter_sys_ms_per_probe"), ".3f"):>7}'
              f'{fmt(r["rss_kb"] / 1024 if r.get("rss_kb") else None, ".1f"):>9}'
              f'{fmt(r["hwm_kb"] / 1024 if r.get("hwm_kb") else None, ".1f"):>9}'
              f'{fmt(r.get("latency_median_ms"), ".1f"):>8}{fmt(r.get("latency_p99_ms"), ".1f"):>8}'
              f'{fmt(r.get("driver_cpu_s"), ".2f"):>14}')
    print()
    print("ratio reachprobe / blackbox per module (run with the lowest CPU per probe of each;")
    print(">1: reachprobe has more), beside issue 14's goals")
    print(f'{"module":<12}{"probes/s":>10}{"goal":>7}{"":>7}{"CPU ms/probe":>14}{"goal":>7}{"":>7}'
          f'{"user":>7}{"sys":>7}{"RSS":>7}{"HWM":>7}')
    for module in dict.fromkeys(r["module"] for r in recs):
        best = {}
        for r in recs:
            if r["module"] != module or not r.get("exporter_cpu_ms_per_probe"):
                continue
            b = best.get(r["exporter"])
            if b is None or r["exporter_cpu_ms_per_probe"] < b["exporter_cpu_ms_per_probe"]:
                best[r["exporter"]] = r
        a, b = best.get("reachprobe"), best.get("blackbox")
        if not (a and b):
            continue

        def ratio(key, x=a, y=b):
            u, v = x.get(key), y.get(key)
            return None if u is None or not v else u / v

        tput, cpu = ratio("probes_per_s"), ratio("exporter_cpu_ms_per_probe")
        verdict = lambda ok: "meets" if ok else "MISSES"
        print(f'{module:<12}{fmt(tput, ".2f"):>10}{">=" + str(THROUGHPUT_GOAL):>7}'
              f'{verdict(tput is not None and tput >= THROUGHPUT_GOAL):>7}'
              f'{fmt(cpu, ".3f"):>14}{"<=" + str(CPU_GOAL[module]):>7}'
              f'{verdict(cpu is not None and cpu <= CPU_GOAL[module]):>7}'
              f'{fmt(ratio("exporter_user_ms_per_probe"), ".3f"):>7}'
              f'{fmt(ratio("exporter_sys_ms_per_probe"), ".3f"):>7}'
              f'{fmt(ratio("rss_kb"), ".2f"):>7}{fmt(ratio("hwm_kb"), ".2f"):>7}')
    print()
    print("per run: HTTP statuses, TCP counters (exporter ns: connects made, failed, retransmits,")
    print("listen overflows; target ns: accepted, listen overflows), exporter threads, wall")
    for r in recs:
        net = r.get("net", {})
        print(f'  {r["module"]:<11} {r["exporter"]:<10} run {r["run"]}: status {json.dumps(r.get("status", {}), sort_keys=True)}'
              f' errors {json.dumps(r.get("errors", {}), sort_keys=True)};'
              f' connects {net.get("active_opens")} failed {net.get("attempt_fails")}'
              f' retrans {net.get("retrans_segs")} ovf {net.get("listen_overflows")};'
              f' target accepted {net.get("target_passive_opens")} ovf {net.get("target_listen_overflows")};'
              f' threads {r.get("threads")}; wall {r["wall"]:.3f} s;'
              f' exporter CPU {fmt(r.get("exporter_cpu_s"), ".2f")} s')
    for r in recs:
        w = r.get("warmup")
        if w and w["ok"] < w["n"]:
            print()
            print(f'{r["module"]} {r["exporter"]} run {r["run"]}: warm-up {w["ok"]}/{w["n"]} succeeded; samples:')
            for s in w.get("failure_samples", []):
                print("  " + json.dumps(s)[:1500])
        if r.get("ok", 0) < r["n"]:
            print()
            print(f'{r["module"]} {r["exporter"]} run {r["run"]}: {r["n"] - r.get("ok", 0)} probe(s) without a 200 and '
                  f'"probe_success 1"; samples:')
            for s in r.get("failure_samples", []):
                print("  " + json.dumps(s)[:1500])


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "ready":
        ready(sys.argv[2], sys.argv[3])
    elif cmd == "gen":
        gen(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6])
    elif cmd == "label":
        with open(sys.argv[2]) as f:
            r = json.load(f)
        r.update({"exporter": sys.argv[3], "run": int(sys.argv[4]), "module": sys.argv[5]})
        with open(sys.argv[2], "w") as f:
            json.dump(r, f)
    elif cmd == "line":
        with open(sys.argv[2]) as f:
            r = json.load(f)
        print(f'{r["wall"]:.3f} s, {r["ok"]}/{r["n"]} ok, exporter CPU {r["exporter_cpu_s"]:.2f} s')
    elif cmd == "report":
        report(sys.argv[2:])
PY

# One TCP listener for every 198.19.0.0/16 address (started after somaxconn is raised).
lab_start_listener "$ns_t"
lab_verify_listener "$ns_p"

# nginx for http_2xx: `listen 80` takes every AnyIP address of the target namespace.
if [[ -n $nginx_bin ]]; then
  lab_nginx_conf "$work/nginx" 1 '        listen 80 backlog=65535;
        server_name _;
        location / {
            return 200 "ok";
        }'
  ip netns exec "$ns_t" "$nginx_bin" -t -q -p "$work/nginx" -e "$work/nginx/logs/error.log" \
    -c "$work/nginx/nginx.conf" >"$work/nginx/test.log" 2>&1 ||
    die "nginx rejects the lab config: $(head -c 600 "$work/nginx/test.log")"
  # (not through a function: $! must be nginx's master; ip netns exec execs it in place)
  ip netns exec "$ns_t" "$nginx_bin" -p "$work/nginx" -e "$work/nginx/logs/error.log" \
    -c "$work/nginx/nginx.conf" >"$work/nginx/stdout.log" 2>&1 &
  nginx_pid=$!
fi

# ---- exporters -------------------------------------------------------------------------
# Both exporters read the same file; blackbox's defaults hold for everything not written.
cat >"$work/exporter.yml" <<'YML'
modules:
  tcp_connect:
    prober: tcp
    timeout: 5s
  icmp:
    prober: icmp
    timeout: 5s
  http_2xx:
    prober: http
    timeout: 5s
YML
"$reachprobe" serve --config.check --config.file "$work/exporter.yml" >"$work/rp.check" 2>&1 ||
  die "reachprobe rejects the config: $(cat "$work/rp.check")"
"$blackbox" --config.check --config.file="$work/exporter.yml" >"$work/bb.check" 2>&1 ||
  die "blackbox_exporter rejects the config: $(cat "$work/bb.check")"

# `ip netns exec` execs the command in place, so $! is the exporter itself.
ip netns exec "$ns_p" "$reachprobe" serve --config.file "$work/exporter.yml" \
  --web.listen-address "127.0.0.1:$rp_port" >"$work/rp.log" 2>&1 </dev/null &
rp_pid=$!
lab_pids+=("$rp_pid")
ip netns exec "$ns_p" "$blackbox" --config.file="$work/exporter.yml" \
  --web.listen-address="127.0.0.1:$bb_port" >"$work/bb.log" 2>&1 </dev/null &
bb_pid=$!
lab_pids+=("$bb_pid")
rp_first=$(in_p "$python" "$work/helper.py" ready "http://127.0.0.1:$rp_port" 10 2>&1) ||
  die "reachprobe serve: $rp_first; log: $(tail -c 1000 "$work/rp.log")"
bb_first=$(in_p "$python" "$work/helper.py" ready "http://127.0.0.1:$bb_port" 10 2>&1) ||
  die "blackbox_exporter: $bb_first; log: $(tail -c 1000 "$work/bb.log")"
[[ $(readlink "/proc/$rp_pid/exe") == "$reachprobe"* ]] || die "pid $rp_pid is not reachprobe ($(readlink "/proc/$rp_pid/exe"))"
[[ $(readlink "/proc/$bb_pid/exe") == "$(readlink -f "$blackbox")"* ]] || die "pid $bb_pid is not blackbox_exporter ($(readlink "/proc/$bb_pid/exe"))"
grep -qx 'probe_success 1' <<<"$rp_first" || echo "  note: reachprobe's first probe did not succeed: $rp_first" >&2
grep -qx 'probe_success 1' <<<"$bb_first" || echo "  note: blackbox's first probe did not succeed: $bb_first" >&2

for module in $modules; do
  "$python" "$work/helper.py" gen "$module" "$n" "$work/targets.$module" "$warmup" "$work/warm_targets.$module"
done
if [[ -n $nginx_pid ]]; then
  up=""
  for _ in $(seq 50); do
    kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited: $(tail -c 600 "$work/nginx/logs/error.log" 2>/dev/null)"
    in_p "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
      http://198.19.0.1/ 2>/dev/null && up=1 && break
    sleep 0.1
  done
  [[ -n $up ]] || die "nginx does not answer on http://198.19.0.1/"
fi

echo "probe_endpoint_bench: reachprobe serve vs blackbox_exporter, /probe per module: $modules"
echo "  lab $ns_p (198.18.0.1, exporters on 127.0.0.1) -> $ns_t (198.19.0.0/16 AnyIP via 198.18.0.2: ICMP echo, TCP/22 listener$([[ -n $nginx_pid ]] && echo ", nginx on :80"))"
echo "  $(host_summary), $("$reachprobe" version 2>&1 | head -n 1), $("$blackbox" --version 2>&1 | head -n 1)"
echo "  load average before: $(loadavg) (other work on the machine skews the figures)"
echo "  config: modules: {tcp_connect: {prober: tcp}, icmp: {prober: icmp}, http_2xx: {prober: http}}, timeout 5s; header X-Prometheus-Scrape-Timeout-Seconds: $scrape_timeout"
echo "  N=$n distinct targets per module (198.19.X.Y:22, 198.19.X.Y, http://198.19.X.Y/), concurrency $concurrency, $([[ $new_connection == 1 ]] && echo "a new HTTP connection per request" || echo "keep-alive HTTP connections (one per worker)"), $warmup warm-up request(s) per exporter and module"
echo "  per module each exporter runs $repeat time(s), alternating, reachprobe first; the run with the lowest CPU per probe is kept for the ratios"
echo

records=()
for module in $modules; do
  driver_args=(--concurrency "$concurrency" --module "$module" --scrape-timeout "$scrape_timeout"
    --targets "$work/targets.$module" --warmup-targets "$work/warm_targets.$module"
    --netstat-pid "$listener_pid") # the target namespace's TCP counters
  [[ $new_connection == 1 ]] && driver_args+=(--new-connection)
  for ((i = 1; i <= repeat; i++)); do
    for which in reachprobe blackbox; do
      if [[ $which == reachprobe ]]; then pid=$rp_pid port=$rp_port; else pid=$bb_pid port=$bb_port; fi
      w=0
      ((i == 1)) && w=$warmup
      out="$work/$module.$which.$i.json"
      rc=0
      timeout --kill-after=5 "$run_timeout" ip netns exec "$ns_p" "$python" "$driver" \
        --url "http://127.0.0.1:$port" --pid "$pid" --warmup "$w" \
        "${driver_args[@]}" --json "$out" 2>"$work/$module.$which.$i.err" || rc=$?
      kill -0 "$pid" 2>/dev/null || die "$which exited during $module run $i; log: $(tail -c 1000 "$work/$([[ $which == reachprobe ]] && echo rp || echo bb).log")"
      if [[ ! -s $out ]]; then
        echo "  $module $which run $i: no result (driver exit $rc): $(head -c 600 "$work/$module.$which.$i.err")" >&2
        continue
      fi
      "$python" "$work/helper.py" label "$out" "$which" "$i" "$module"
      printf '  %-11s %-10s run %d: %s\n' "$module" "$which" "$i" "$("$python" "$work/helper.py" line "$out")"
      records+=("$out")
    done
  done
done
echo "  load average after: $(loadavg)"

((${#records[@]} > 0)) || die "nothing was measured"
"$python" "$work/helper.py" report "${records[@]}"
cat <<'EOF'

probes/s: N / wall, wall from the first measured request sent to the last answer read (the
load driver, one python3 asyncio process in the exporter namespace); successes/N: answers
with status 200 and a line `probe_success 1`. CPU ms/probe: the exporter's utime+stime
(/proc/PID/stat, all threads, 10 ms ticks) over the run, divided by N; user and sys: the two
parts (sys includes the lab's veth and loopback softirq work done on the exporter's own
syscalls: the SYN-ACK it receives, the answer's delivery to the driver). RSS/HWM: VmRSS and
VmHWM of /proc/PID/status after the run (HWM: the peak since the exporter started, warm-up
and earlier runs included). p50/p99: request latency seen by the driver. driver CPU: the
driver's own user+sys over the run (it shares the machine's CPUs with the exporter).
EOF
