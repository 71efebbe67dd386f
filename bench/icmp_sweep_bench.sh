#!/usr/bin/env bash
# icmp_sweep_bench.sh - how reachprobe's fan-out compares with fping on a wide ICMP sweep.
#
# Builds a two-namespace AnyIP lab (a prober and a target that answers ICMP echo and
# TCP/22 on every address of 198.19.0.0/16), then for each size N in $SIZES probes N
# distinct addresses with:
#   fping        -c 1 (one echo per target)                          ICMP
#   reachprobe   check --no-path --count 1 ADDR ...        (the echo sweep; human report) ICMP
#   reachprobe   check --json --no-path --count 1 ADDR ... (the same, JSON)               ICMP
#   reachprobe   check --json --no-path --count 1 ADDR:22 ... (icmp + tcp connect)      ICMP+TCP
# and prints wall time, CPU (user+sys), peak RSS and how many targets answered, the
# reachprobe/fping ratios for the ICMP-only mode, and goal 2 of the performance issue (the
# human-report sweep's wall and CPU <= fping's, RSS <= 2x; --json CPU <= 1.5x the human
# report's) as meets/MISSES. A benchmark, not a test: no pass/fail.
#
# usage: sudo bench/icmp_sweep_bench.sh [REACHPROBE_BINARY]
# env:   REACHPROBE      binary (default: build/reachprobe under the repository root)
#        SIZES           target counts (default "1000 10000"; each 1..64000)
#        REPEAT          runs per measurement, the fastest is kept (default 2)
#        FPING_INTERVAL  fping -i in ms (default 0: root may go below the documented 1 ms)
#        RUN_TIMEOUT     seconds before a single run is killed (default 120)
#
# Traffic stays inside the lab namespaces and inside 198.18.0.0/15 (RFC 2544 benchmarking
# space). Everything it creates (two namespaces, one listener process, a temporary
# directory) is removed on exit, including on failure or Ctrl-C.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and the tools' number formats use '.' as decimal point

bench_name=icmp_sweep_bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh" # skip, die, checks, the lab, clean-up

reachprobe=${1:-${REACHPROBE:-$repo_root/build/reachprobe}}
sizes=${SIZES:-1000 10000}
repeat=${REPEAT:-2}
fping_interval=${FPING_INTERVAL:-0}
run_timeout=${RUN_TIMEOUT:-120}
fping_timeout_ms=500
rp_timeout=5s
time_bin=/usr/bin/time

# ---- prerequisites: anything missing is a skip, not a failure -------------------------
require_root
require_tools ip fping python3 timeout awk
require_reachprobe
[[ -x $time_bin ]] || apt_install "GNU time (for peak RSS)" time
[[ -x $time_bin ]] || skip "GNU time ($time_bin) is missing; install the 'time' package"
require_epochrealtime
check_positive REPEAT "$repeat"
[[ $fping_interval =~ ^[0-9]+([.][0-9]+)?$ ]] || die "FPING_INTERVAL must be a number of ms, got '$fping_interval'"
check_positive RUN_TIMEOUT "$run_timeout"
read -r -a size_list <<<"$sizes"
check_list SIZES 64000 "${size_list[@]}"
find_python

# ---- lab -----------------------------------------------------------------------------
# prober rpb<pid>-p (198.18.0.1) -> target rpb<pid>-t (198.18.0.2, AnyIP 198.19.0.0/16)
ns_p="rpb$$-p"
ns_t="rpb$$-t"
lab_begin rpb "$ns_p" "$ns_t"

in_p() { ip netns exec "$ns_p" "$@"; }
in_t() { ip netns exec "$ns_t" "$@"; }

lab_link "$ns_p" veth-p "$ns_t" veth-t
lab_anyip "$ns_p" "$ns_t"
# Room for a burst of handshakes, and no ICMP rate limiting, on the target side.
lab_raise_backlog "$ns_t" net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 \
  net.ipv4.icmp_msgs_burst=100000

cat >"$work/helper.py" <<'PY'
"""Helpers for icmp_sweep_bench.sh: counters, parsing and the report."""
import json, os, sys

from benchlib import fmt, header, load


def snmp_pairs(path):
    out = {}
    with open(path) as f:
        lines = f.read().splitlines()
    for head, vals in zip(lines[0::2], lines[1::2]):
        proto, keys = head.split(":", 1)
        _, values = vals.split(":", 1)
        for k, v in zip(keys.split(), values.split()):
            out[proto + "." + k] = int(v)
    return out


def snapshot(out):
    """Kernel counters as seen from the calling namespace (+ host-wide softnet drops)."""
    c = {}
    c.update(snmp_pairs("/proc/net/snmp"))
    c.update(snmp_pairs("/proc/net/netstat"))
    drops = 0
    with open("/proc/net/dev") as f:
        for line in f.readlines()[2:]:
            name, rest = line.split(":", 1)
            v = [int(x) for x in rest.split()]
            if name.strip().startswith("veth"):
                drops += v[3] + v[11]  # rx drop + tx drop
    c["dev.veth_drops"] = drops
    soft = 0
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            soft += int(line.split()[1], 16)
    c["softnet.dropped"] = soft
    with open(out, "w") as f:
        json.dump(c, f)


def gen(n, out_plain, out_tcp):
    addrs = [f"198.19.{i // 250}.{i % 250 + 1}" for i in range(n)]
    with open(out_plain, "w") as f:
        f.write("\n".join(addrs) + "\n")
    with open(out_tcp, "w") as f:
        f.write("\n".join(a + ":22" for a in addrs) + "\n")
    # argv bytes: strings + NULs + one pointer each; compare with ARG_MAX minus environment.
    need = sum(len(a) + 4 + 1 + 8 for a in addrs) + 4096
    env = sum(len(k) + len(v) + 2 + 8 for k, v in os.environ.items())
    print("ok" if need + env < os.sysconf("SC_ARG_MAX") else f"too-big {need + env}")


def parse_time(path):
    """GNU time -v: user, sys, peak RSS (KiB), elapsed seconds."""
    r = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().rpartition(": ")
            if k == "User time (seconds)":
                r["user"] = float(v)
            elif k == "System time (seconds)":
                r["sys"] = float(v)
            elif k == "Maximum resident set size (kbytes)":
                r["rss_kb"] = int(v)
            elif k.startswith("Elapsed (wall clock) time"):
                secs = 0.0
                for part in v.split(":"):
                    secs = secs * 60 + float(part)
                r["elapsed"] = secs
    return r


def count_fping(path):
    sent = recv = lines = 0
    with open(path) as f:
        for line in f:
            if "xmt/rcv/%" not in line:
                continue
            lines += 1
            x, r = line.split("=", 1)[1].split(",")[0].strip().split("/")[:2]
            sent += int(x)
            recv += 1 if int(r) > 0 else 0
    return {"summaries": lines, "echo_sent": sent, "replies": recv}


def count_reachprobe(path, samples):
    with open(path) as f:
        results = json.load(f)["results"]
    r = {"results": len(results), "success": 0, "icmp_ok": 0, "tcp_ok": 0, "verdicts": {}}
    failures = []
    for res in results:
        layers = {l["layer"]: l for l in res.get("layers", [])}
        if res.get("success"):
            r["success"] += 1
        else:
            v = res.get("verdict") or {}
            key = f'{v.get("layer")}/{v.get("reason")}'
            r["verdicts"][key] = r["verdicts"].get(key, 0) + 1
            failures.append(res)
        if layers.get("icmp", {}).get("status") == "ok":
            r["icmp_ok"] += 1
        if layers.get("tcp", {}).get("status") == "ok":
            r["tcp_ok"] += 1
    # A few failing verdicts, spread over the run, trimmed to what explains them.
    picks = failures[:: max(1, len(failures) // samples)][:samples] if failures else []
    r["samples"] = [
        {
            "target": p.get("target"),
            "duration_seconds": p.get("duration_seconds"),
            "verdict": p.get("verdict"),
            "layers": [
                {k: l[k] for k in ("layer", "status", "reason", "detail", "duration_seconds",
                                   "sent", "received", "in_flight") if k in l}
                for l in p.get("layers", []) if l.get("status") != "skipped"
            ],
        }
        for p in picks
    ]
    return r


def count_reachprobe_text(path):
    """The human report: a ladder per target ("  icmp  ok ..." and "verdict: ok" lines)."""
    r = {"results": 0, "success": 0, "icmp_ok": 0, "tcp_ok": 0, "verdicts": {}}
    with open(path) as f:
        for line in f:
            if line.startswith("verdict: "):
                r["results"] += 1
                v = line[len("verdict: "):].split()[0]
                if v == "ok":
                    r["success"] += 1
                else:
                    r["verdicts"][v] = r["verdicts"].get(v, 0) + 1
            elif line.startswith("  icmp ") and line.split()[1] == "ok":
                r["icmp_ok"] += 1
    return r


def record(kind, out, wall, timefile, toolout, rc, before_p, after_p, before_t, after_t):
    rec = {"wall": float(wall), "rc": int(rc)}
    rec.update(parse_time(timefile) if os.path.getsize(timefile) else {})
    try:
        if kind == "fping":
            rec.update(count_fping(toolout))
        elif kind == "reachprobe-text":
            rec.update(count_reachprobe_text(toolout))
        else:
            rec.update(count_reachprobe(toolout, 3))
    except (OSError, ValueError, KeyError) as e:  # e.g. a run killed before its JSON was written
        rec["parse_error"] = f"{type(e).__name__}: {e}"
    d = {}
    for tag, b, a in (("p", before_p, after_p), ("t", before_t, after_t)):
        with open(b) as f:
            cb = json.load(f)
        with open(a) as f:
            ca = json.load(f)
        d[tag] = {k: ca.get(k, 0) - cb.get(k, 0) for k in ca}
    rec["kernel"] = {
        "echo_out": d["p"].get("Icmp.OutEchos", 0),
        "reply_in": d["p"].get("Icmp.InEchoReps", 0),
        "target_echo_in": d["t"].get("Icmp.InEchos", 0),
        "target_reply_out": d["t"].get("Icmp.OutEchoReps", 0),
        "listen_overflows": d["t"].get("TcpExt.ListenOverflows", 0),
        "listen_drops": d["t"].get("TcpExt.ListenDrops", 0),
        "veth_drops": d["p"].get("dev.veth_drops", 0) + d["t"].get("dev.veth_drops", 0),
        "softnet_dropped": d["p"].get("softnet.dropped", 0),
    }
    with open(out, "w") as f:
        json.dump(rec, f)


def report(files):
    recs = load(files)
    header(f'{"tool":<11}{"mode":<10}{"N":>7}{"wall s":>9}{"CPU s":>8}{"RSS MiB":>9}  {"replies/N":<13}{"success/N":<13}{"rc":>3}')
    for r in recs:
        cpu = r.get("user", 0.0) + r.get("sys", 0.0) if "user" in r else None
        rss = r["rss_kb"] / 1024 if "rss_kb" in r else None
        n = r["n"]
        if r["tool"] == "fping":
            replies, success = f'{r.get("replies", 0)}/{n}', "-"
        else:
            replies, success = f'{r.get("icmp_ok", 0)}/{n}', f'{r.get("success", 0)}/{n}'
        print(f'{r["tool"]:<11}{r["mode"]:<10}{n:>7}{r["wall"]:>9.3f}{fmt(cpu, ".2f"):>8}'
              f'{fmt(rss, ".1f"):>9}  {replies:<13}{success:<13}{r["rc"]:>3}')
    print()
    print("ratio reachprobe(icmp, human report) / fping, same N (>1: reachprobe uses more)")
    print(f'{"N":>7}{"wall":>9}{"CPU":>9}{"RSS":>9}')
    by = {(r["tool"], r["mode"], r["n"]): r for r in recs}
    for n in sorted({r["n"] for r in recs}):
        a, b = by.get(("reachprobe", "icmp", n)), by.get(("fping", "icmp", n))
        if not a or not b:
            continue

        def ratio(f):
            x, y = f(a), f(b)
            return None if x is None or y is None or y == 0 else x / y

        def cpu(r):
            return r["user"] + r["sys"] if "user" in r else None

        w = ratio(lambda r: r["wall"])
        c = ratio(cpu)
        m = ratio(lambda r: r.get("rss_kb"))
        print(f'{n:>7}{fmt(w, ".2f"):>9}{fmt(c, ".2f"):>9}{fmt(m, ".2f"):>9}')
    print()
    # Goal 2 of the performance issue, per N: the human-report sweep against fping (wall, CPU,
    # 2x RSS), and --json within 1.5x of the human-report sweep's CPU.
    def cpu_of(r):
        return r["user"] + r["sys"] if r and "user" in r else None

    def verdict(ok):
        return "meets" if ok else "MISSES"

    for n in sorted({r["n"] for r in recs}):
        t, j, f = by.get(("reachprobe", "icmp", n)), by.get(("reachprobe", "icmp-json", n)), by.get(("fping", "icmp", n))
        if not t or not f or cpu_of(t) is None or cpu_of(f) is None:
            continue
        print(f"goal N={n}: wall {t['wall']:.3f} s <= fping {f['wall']:.3f} s: {verdict(t['wall'] <= f['wall'])}; "
              f"CPU {cpu_of(t):.2f} s <= fping {cpu_of(f):.2f} s: {verdict(cpu_of(t) <= cpu_of(f))}; "
              f"RSS {t['rss_kb'] / 1024:.1f} MiB <= 2 x fping {f['rss_kb'] / 1024:.1f} MiB: "
              f"{verdict(t['rss_kb'] <= 2 * f['rss_kb'])}")
        if j and cpu_of(j) is not None and cpu_of(t) > 0:
            print(f"goal N={n}: --json CPU {cpu_of(j):.2f} s = {cpu_of(j) / cpu_of(t):.2f} x the human report's "
                  f"(<= 1.5 x): {verdict(cpu_of(j) <= 1.5 * cpu_of(t))}")
    print()
    print("kernel counters per kept run (prober ns unless noted; softnet drops are host-wide)")
    h2 = f'{"tool":<11}{"mode":<10}{"N":>7}{"echo out":>10}{"reply in":>10}{"tgt echo in":>13}{"tgt reply":>11}{"listen ovf":>12}{"veth drop":>11}{"softnet drop":>14}'
    print(h2)
    for r in recs:
        k = r["kernel"]
        print(f'{r["tool"]:<11}{r["mode"]:<10}{r["n"]:>7}{k["echo_out"]:>10}{k["reply_in"]:>10}'
              f'{k["target_echo_in"]:>13}{k["target_reply_out"]:>11}'
              f'{k["listen_overflows"] + k["listen_drops"]:>12}{k["veth_drops"]:>11}{k["softnet_dropped"]:>14}')
    bad = [r for r in recs if r["tool"] == "reachprobe" and r.get("success", 0) < r["n"]]
    for r in bad:
        print()
        print(f'reachprobe {r["mode"]} N={r["n"]}: {r["n"] - r.get("success", 0)} target(s) did not succeed '
              f'(exit {r["rc"]}); verdicts: {json.dumps(r.get("verdicts", {}), sort_keys=True)}')
        for s in r.get("samples", []):
            print("  " + json.dumps(s, sort_keys=True))
    for r in recs:
        if "parse_error" in r:
            print()
            print(f'{r["tool"]} {r["mode"]} N={r["n"]}: output not parsed ({r["parse_error"]}, exit {r["rc"]})')
    bad = [r for r in recs if r["tool"] == "fping" and r.get("replies", 0) < r["n"]]
    for r in bad:
        print()
        print(f'fping N={r["n"]}: {r["n"] - r.get("replies", 0)} target(s) without a reply (exit {r["rc"]})')


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "snapshot":
        snapshot(sys.argv[2])
    elif cmd == "gen":
        gen(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif cmd == "record":
        record(*sys.argv[2:])
    elif cmd == "report":
        report(sys.argv[2:])
PY

# One TCP listener for every 198.19.0.0/16 address (started after somaxconn is raised).
lab_start_listener "$ns_t"
in_p fping -q -c 1 -t 1000 198.19.0.1 2>/dev/null || die "lab: 198.19.0.1 does not answer ICMP echo"
lab_verify_listener "$ns_p"

# ---- measurements ----------------------------------------------------------------------
# run_one TAG TOOL MODE N CMD... : runs CMD in the prober namespace under GNU time, REPEAT
# times, and keeps the fastest run's record in $work/TAG.json. TOOL: fping, reachprobe (JSON
# output) or reachprobe-text (the human report), recorded as reachprobe.
records=()
run_one() {
  local tag=$1 tool=$2 mode=$3 n=$4
  shift 4
  local best="" best_wall="" i rc t0 t1 wall rec
  for ((i = 1; i <= repeat; i++)); do
    rec="$work/$tag.$i"
    in_p "$python" "$work/helper.py" snapshot "$rec.p0"
    in_t "$python" "$work/helper.py" snapshot "$rec.t0"
    rc=0
    t0=$EPOCHREALTIME
    timeout --kill-after=5 "$run_timeout" ip netns exec "$ns_p" \
      "$time_bin" -v -o "$rec.time" "$@" >"$rec.out" 2>"$rec.err" || rc=$?
    t1=$EPOCHREALTIME
    in_p "$python" "$work/helper.py" snapshot "$rec.p1"
    in_t "$python" "$work/helper.py" snapshot "$rec.t1"
    wall=$("$python" -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.6f}")' "$t0" "$t1")
    if [[ $tool == fping ]]; then
      # fping -q writes its per-target summary to stderr.
      "$python" "$work/helper.py" record fping "$rec.json" "$wall" "$rec.time" "$rec.err" "$rc" \
        "$rec.p0" "$rec.p1" "$rec.t0" "$rec.t1"
    else
      "$python" "$work/helper.py" record "$tool" "$rec.json" "$wall" "$rec.time" "$rec.out" "$rc" \
        "$rec.p0" "$rec.p1" "$rec.t0" "$rec.t1"
    fi
    if ((rc == 124 || rc == 137)); then
      echo "  $tool $mode N=$n run $i: killed after ${run_timeout}s" >&2
    elif [[ $tool == reachprobe* && $rc -ne 0 && $rc -ne 1 ]] || [[ $tool == fping && $rc -gt 1 ]]; then
      echo "  $tool $mode N=$n run $i: exit $rc: $(head -c 400 "$rec.err")" >&2
    fi
    printf '  %-10s %-9s N=%-6s run %d: %8.3f s (exit %d)\n' "$tool" "$mode" "$n" "$i" "$wall" "$rc"
    if [[ -z $best ]] || num_lt "$wall" "$best_wall"; then
      best=$rec
      best_wall=$wall
    fi
  done
  "$python" - "$best.json" "$work/$tag.json" "${tool%-text}" "$mode" "$n" <<'PY'
import json, sys
src, dst, tool, mode, n = sys.argv[1:]
with open(src) as f:
    r = json.load(f)
r.update({"tool": tool, "mode": mode, "n": int(n)})
r.setdefault("kernel", {})
for k in ("echo_out", "reply_in", "target_echo_in", "target_reply_out", "listen_overflows",
          "listen_drops", "veth_drops", "softnet_dropped"):
    r["kernel"].setdefault(k, 0)
with open(dst, "w") as f:
    json.dump(r, f)
PY
  records+=("$work/$tag.json")
}

echo "icmp_sweep_bench: reachprobe vs fping, AnyIP lab $ns_p (198.18.0.1) -> $ns_t (198.19.0.0/16 via 198.18.0.2)"
echo "  $(host_summary), $(fping -v 2>&1 | head -n 1), $("$reachprobe" version 2>&1 | head -n 1)"
echo "  load average before: $(loadavg) (other work on the machine skews the figures)"
echo "  open files: soft $(ulimit -Sn), hard $(ulimit -Hn) (reachprobe raises its soft limit to the hard one)"
echo "  host net.core.netdev_max_backlog=$(cat /proc/sys/net/core/netdev_max_backlog) (global, not changed)"
echo "  fping:      fping -c 1 -q -i $fping_interval -r 0 -t $fping_timeout_ms ADDR...   (-r is a no-op with -c)"
echo "  reachprobe: reachprobe check [--json] --no-path --count 1 --timeout $rp_timeout ADDR... | ADDR:22..."
echo "  each measurement runs $repeat time(s); the fastest run is kept"
echo

for n in "${size_list[@]}"; do
  plain="$work/addrs.$n"
  tcp="$work/addrs_tcp.$n"
  fits=$("$python" "$work/helper.py" gen "$n" "$plain" "$tcp")
  if [[ $fits != ok ]]; then
    echo "  N=$n: argument list would exceed ARG_MAX ($fits bytes), skipped"
    continue
  fi
  mapfile -t addrs <"$plain"
  mapfile -t tcp_targets <"$tcp"
  run_one "fping.$n" fping icmp "$n" \
    fping -c 1 -q -i "$fping_interval" -r 0 -t "$fping_timeout_ms" "${addrs[@]}"
  run_one "rp_icmp.$n" reachprobe-text icmp "$n" \
    "$reachprobe" check --no-path --count 1 --timeout "$rp_timeout" "${addrs[@]}"
  run_one "rp_icmp_json.$n" reachprobe icmp-json "$n" \
    "$reachprobe" check --json --no-path --count 1 --timeout "$rp_timeout" "${addrs[@]}"
  run_one "rp_tcp.$n" reachprobe icmp+tcp "$n" \
    "$reachprobe" check --json --no-path --count 1 --timeout "$rp_timeout" "${tcp_targets[@]}"
done

((${#records[@]} > 0)) || die "nothing was measured"
"$python" "$work/helper.py" report "${records[@]}"
cat <<'EOF'

wall: measured around `ip netns exec ... /usr/bin/time -v CMD` (includes process start-up);
CPU: user+sys of CMD from GNU time; RSS: its peak resident set ("Maximum resident set size").
replies/N: targets whose echo was answered (fping summary line rcv>0; reachprobe icmp layer
"ok"); success/N: reachprobe targets with "success": true. rc: the tool's exit status.
EOF
