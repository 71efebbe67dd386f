#!/usr/bin/env bash
# schedule_bench.sh - scheduled probing in `reachprobe serve` against Prometheus + blackbox_exporter.
#
# Builds a two-namespace AnyIP lab (a prober namespace and a target namespace that answers ICMP
# echo and accepts TCP/22 on every address of 198.19.0.0/16) and, one system after the other,
# never two at once, probes KEYS keys (half `icmp` on A addresses, half `tcp_connect` on A:22)
# every INTERVAL seconds for DURATION seconds:
#   reachprobe   `reachprobe serve` with the keys in its config (`targets:`, or file_sd files)
#   blackbox     Prometheus scraping blackbox_exporter's /probe for the same targets (the
#                usual relabelling to __param_target), what a user runs today
#   blackholed   reachprobe again, with BLACKHOLE_PCT % of the addresses dropped by nft in the
#                target namespace (their probes run into the module timeout)
# and prints each process's CPU (% of one core), RSS (VmHWM, VmRSS), and for reachprobe the
# start lag p50/p99 (bucket-resolution estimates from its histogram), skipped and finished runs
# and the time and size of a full /metrics scrape, beside the goals. A benchmark, not a test.
#
# usage: sudo bench/schedule_bench.sh [REACHPROBE_BINARY]
# env:   REACHPROBE      binary (default: build/reachprobe under the repository root)
#        BLACKBOX        blackbox_exporter (default /usr/bin/prometheus-blackbox-exporter)
#        PROMETHEUS      Prometheus (default /usr/bin/prometheus)
#        KEYS            scheduled keys (default 10000; 2..100000), half icmp, half tcp_connect
#        DURATION        seconds measured per phase (default 300)
#        INTERVAL        seconds between runs of a key / scrapes of a target (default 10)
#        TIMEOUT         module timeout and Prometheus scrape_timeout, seconds (default 5; < INTERVAL)
#        WARMUP          seconds after start-up before the measured window (default: INTERVAL)
#        PHASES          phases in order (default "reachprobe blackbox blackholed")
#        BLACKHOLE_PCT   % of the addresses dropped in the blackholed phase (default 30)
#        MAX_CONCURRENCY scheduler.max_concurrency for reachprobe (default: unset, its own default)
#        SD              static (targets in the config files, default) or file (file_sd JSON files,
#                        the same files for reachprobe and Prometheus)
#        METRICS_EVERY   seconds between full /metrics scrapes of reachprobe during the window, as a
#                        Prometheus would (default 0: none; the window's CPU then excludes scrapes)
#
# Traffic stays inside the lab namespaces and inside 198.18.0.0/15 (RFC 2544 benchmarking
# space). Everything it creates (two namespaces, an nft table inside the target one, the
# listener, the exporters, Prometheus, a temporary directory) is removed on exit, including on
# failure or Ctrl-C.
set -euo pipefail
export LC_ALL=C

bench_name=schedule_bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh" # skip, die, checks, the lab, clean-up

reachprobe=${1:-${REACHPROBE:-$repo_root/build/reachprobe}}
blackbox=${BLACKBOX:-/usr/bin/prometheus-blackbox-exporter}
prometheus=${PROMETHEUS:-/usr/bin/prometheus}
keys=${KEYS:-10000}
duration=${DURATION:-300}
interval=${INTERVAL:-10}
timeout_s=${TIMEOUT:-5}
warmup=${WARMUP:-$interval}
phases=${PHASES:-reachprobe blackbox blackholed}
blackhole_pct=${BLACKHOLE_PCT:-30}
max_concurrency=${MAX_CONCURRENCY:-}
sd=${SD:-static}
metrics_every=${METRICS_EVERY:-0}
rp_port=19115
bb_port=19116
prom_port=19090

# ---- prerequisites: anything missing is a skip, not a failure -------------------------
require_root
require_tools ip python3 curl nft
check_range KEYS "$keys" 100000
((keys >= 2)) || die "KEYS must be at least 2 (one icmp and one tcp_connect key), got '$keys'"
check_positive DURATION "$duration"
check_range INTERVAL "$interval" 3600
check_positive TIMEOUT "$timeout_s"
((timeout_s < interval)) || die "TIMEOUT ($timeout_s) must be below INTERVAL ($interval)"
[[ $warmup =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer, got '$warmup'"
check_range BLACKHOLE_PCT "$blackhole_pct" 100
[[ -z $max_concurrency ]] || check_range MAX_CONCURRENCY "$max_concurrency" 1000000
[[ $sd == static || $sd == file ]] || die "SD must be static or file, got '$sd'"
[[ $metrics_every =~ ^[0-9]+$ ]] || die "METRICS_EVERY must be a non-negative integer, got '$metrics_every'"
read -r -a phase_list <<<"$phases"
((${#phase_list[@]} > 0)) || die "PHASES is empty"
want_rp=0 want_bb=0
for p in "${phase_list[@]}"; do
  case $p in
  reachprobe | blackholed) want_rp=1 ;;
  blackbox) want_bb=1 ;;
  *) die "PHASES: unknown phase '$p' (reachprobe, blackbox, blackholed)" ;;
  esac
done
((want_rp)) && require_reachprobe
if ((want_bb)); then
  if [[ ! -x $blackbox && $blackbox == /usr/bin/prometheus-blackbox-exporter ]]; then
    apt_install blackbox_exporter prometheus-blackbox-exporter
  fi
  [[ -x $blackbox ]] || skip "blackbox_exporter ($blackbox) is missing; install prometheus-blackbox-exporter or set BLACKBOX"
  [[ -x $prometheus ]] || skip "Prometheus ($prometheus) is missing; install prometheus or set PROMETHEUS"
fi
find_python
# 10,000 keys: probes in flight, HTTP connections and Prometheus' TSDB files all take
# descriptors. Root may raise the hard limit too.
ulimit -Hn 262144 2>/dev/null || true
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true

# ---- lab -----------------------------------------------------------------------------
# prober rpsc<pid>-p (198.18.0.1; exporters on 127.0.0.1) -> target rpsc<pid>-t (198.18.0.2,
# AnyIP 198.19.0.0/16: ICMP echo and a TCP/22 listener on every address)
ns_p="rpsc$$-p"
ns_t="rpsc$$-t"
sys_pids=() # the measured system's processes, stopped at the end of each phase
lab_kill_signal=KILL
lab_begin rpsc "$ns_p" "$ns_t"
# reachprobe keeps its files (e.g. a history database) relative to the working directory.
cd -- "$work"

# Stops the running phase's processes before the generic clean-up.
bench_cleanup() {
  stop_system
}

stop_system() {
  lab_stop_pids 100 "${sys_pids[@]}"
  sys_pids=()
}

in_p() { ip netns exec "$ns_p" "$@"; }

lab_scheduling_pair "$ns_p" "$ns_t"

cat >"$work/helper.py" <<'PY'
"""Helpers for schedule_bench.sh: configs, readiness, the measured window and the report."""
import json, math, os, re, statistics, subprocess, sys, time, urllib.parse, urllib.request

from benchlib import fmt, header, load

CLK_TCK = os.sysconf("SC_CLK_TCK")
GOALS = {"cpu_pct": 10.0, "rss_mib": 96.0, "lag_p99_s": 0.100, "skipped": 0, "scrape_s": 1.0}


def addr(i):
    return f"198.19.{i // 250}.{i % 250 + 1}"


# ---- configs ---------------------------------------------------------------------------
def gen(keys, pct, work, interval, timeout, max_conc, sd, bb_port):
    """Writes the configs of both systems and the blackhole rule set; prints a summary."""
    n_icmp = (keys + 1) // 2
    n_tcp = keys // 2
    icmp = [addr(i) for i in range(n_icmp)]
    tcp = [addr(i) + ":22" for i in range(n_tcp)]
    # Black-holed: the first pct of every 100 consecutive addresses, so both modules lose the
    # same share and the hole is spread over the address range.
    holes = [addr(i) for i in range(n_icmp) if i % 100 < pct]
    modules = (
        "modules:\n"
        f"  icmp:\n    prober: icmp\n    timeout: {timeout}s\n"
        "    icmp:\n      preferred_ip_protocol: ip4\n"
        f"  tcp_connect:\n    prober: tcp\n    timeout: {timeout}s\n"
        "    tcp:\n      preferred_ip_protocol: ip4\n")
    with open(f"{work}/blackbox.yml", "w") as f:
        f.write(modules)
    os.makedirs(f"{work}/sd", exist_ok=True)
    for name, tl in (("icmp", icmp), ("tcp_connect", tcp)):
        with open(f"{work}/sd/{name}.json", "w") as f:
            json.dump([{"targets": tl, "labels": {}}], f)
    rp = [modules, "scheduler:\n  vantage: bench\n"]
    if max_conc:
        rp.append(f"  max_concurrency: {max_conc}\n")
    if sd == "static":
        rp.append("targets:\n")
        for name, tl in (("icmp", icmp), ("tcp_connect", tcp)):
            rp.append(f"  - targets: {json.dumps(tl)}\n    module: {name}\n    interval: {interval}s\n")
    else:
        rp.append("file_sd_configs:\n")
        for name in ("icmp", "tcp_connect"):
            rp.append(f"  - files: [\"{work}/sd/{name}.json\"]\n    module: {name}\n    interval: {interval}s\n")
    with open(f"{work}/reachprobe.yml", "w") as f:
        f.write("".join(rp))
    prom = [f"global:\n  scrape_interval: {interval}s\n  scrape_timeout: {timeout}s\n", "scrape_configs:\n"]
    for name, tl in (("icmp", icmp), ("tcp_connect", tcp)):
        prom.append(f"  - job_name: {name}\n    metrics_path: /probe\n    params:\n      module: [{name}]\n")
        if sd == "static":
            prom.append(f"    static_configs:\n      - targets: {json.dumps(tl)}\n")
        else:
            prom.append(f"    file_sd_configs:\n      - files: [\"{work}/sd/{name}.json\"]\n")
        prom.append("    relabel_configs:\n"
                    "      - source_labels: [__address__]\n        target_label: __param_target\n"
                    "      - source_labels: [__param_target]\n        target_label: instance\n"
                    f"      - target_label: __address__\n        replacement: 127.0.0.1:{bb_port}\n")
    with open(f"{work}/prometheus.yml", "w") as f:
        f.write("".join(prom))
    with open(f"{work}/blackhole.nft", "w") as f:
        f.write("table inet rpsc_blackhole {\n  set holes {\n    type ipv4_addr\n"
                f"    elements = {{ {', '.join(holes) if holes else '198.19.255.255'} }}\n  }}\n"
                "  chain input {\n    type filter hook input priority 0; policy accept;\n"
                "    ip daddr @holes drop\n  }\n}\n")
    json.dump({"icmp": n_icmp, "tcp": n_tcp, "holes": len(holes),
               "hole_keys": len(holes) + sum(1 for i in range(n_tcp) if i % 100 < pct)},
              open(f"{work}/gen.json", "w"))
    print(f"{n_icmp} icmp keys ({icmp[0]} .. {icmp[-1]}), {n_tcp} tcp_connect keys "
          f"({tcp[0] if tcp else '-'} .. {tcp[-1] if tcp else '-'}); {len(holes)} addresses to black-hole")


# ---- HTTP ------------------------------------------------------------------------------
def get(url, timeout=30):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def ready(url, seconds):
    deadline = time.monotonic() + float(seconds)
    err = None
    while time.monotonic() < deadline:
        try:
            if get(url, 2)[0] == 200:
                return
        except OSError as e:
            err = e
        time.sleep(0.2)
    print(f"{url} not ready after {seconds} s: {err}")
    sys.exit(1)


# ---- /metrics of reachprobe ------------------------------------------------------------
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(body):
    """The figures the report needs from a full /metrics exposition (labels as a set)."""
    s = {"runs": 0.0, "skipped": 0.0, "lag": {}, "success": {}, "with_success": {},
         "failures": {}, "scheduled_keys": None, "in_flight": None, "internal_errors": 0.0,
         "sd_errors": 0.0, "runs_keys": 0, "bytes": len(body), "lines": 0}
    for raw in body.decode("utf-8", "replace").splitlines():
        if not raw or raw[0] == "#":
            continue
        s["lines"] += 1
        name = raw.split("{", 1)[0].split(" ", 1)[0]
        if name not in ("probe_runs_total", "probe_runs_skipped_total", "probe_success",
                        "probe_failures_total", "reachprobe_schedule_start_lag_seconds_bucket",
                        "reachprobe_scheduled_keys", "reachprobe_probes_in_flight",
                        "reachprobe_internal_errors_total", "reachprobe_sd_file_read_errors_total"):
            continue
        m = LINE.match(raw)
        if not m:
            continue
        labels = dict(LABEL.findall(m.group(3) or ""))
        try:
            v = float(m.group(4))
        except ValueError:
            continue
        if name == "probe_runs_total":
            s["runs"] += v
            s["runs_keys"] += 1
        elif name == "probe_runs_skipped_total":
            s["skipped"] += v
        elif name == "probe_success":
            mod = labels.get("module", "?")
            s["success"][mod] = s["success"].get(mod, 0) + v
            s["with_success"][mod] = s["with_success"].get(mod, 0) + 1
        elif name == "probe_failures_total":
            if "layer" in labels or "reason" in labels:
                k = f'{labels.get("module", "?")} {labels.get("layer", "")}/{labels.get("reason", "")}'
                s["failures"][k] = s["failures"].get(k, 0) + v
        elif name == "reachprobe_schedule_start_lag_seconds_bucket":
            le = labels.get("le", "+Inf")
            s["lag"][le] = s["lag"].get(le, 0) + v
        elif name == "reachprobe_scheduled_keys":
            s["scheduled_keys"] = (s["scheduled_keys"] or 0) + v
        elif name == "reachprobe_probes_in_flight":
            s["in_flight"] = (s["in_flight"] or 0) + v
        elif name == "reachprobe_internal_errors_total":
            s["internal_errors"] += v
        elif name == "reachprobe_sd_file_read_errors_total":
            s["sd_errors"] += v
    return s


def snapshot(url):
    t0 = time.monotonic()
    status, body = get(url + "/metrics", 120)
    s = parse_metrics(body)
    s["fetch_s"] = time.monotonic() - t0
    s["status"] = status
    return s


def wait_keys(url, want, seconds):
    """Waits until reachprobe_scheduled_keys reaches the number of keys configured."""
    deadline = time.monotonic() + float(seconds)
    got = None
    while time.monotonic() < deadline:
        try:
            got = snapshot(url)["scheduled_keys"]
            if got is not None and int(got) == int(want):
                print(int(got))
                return
        except OSError:
            pass
        time.sleep(1)
    print(f"reachprobe_scheduled_keys is {got}, not {want}, after {seconds} s")
    sys.exit(1)


def quantile(q, buckets):
    """histogram_quantile as Prometheus computes it: the bucket holding rank q*count, linear
    inside it. Returns (estimate, lower bound, upper bound); bucket resolution only."""
    bs = sorted(((math.inf if le == "+Inf" else float(le)), c) for le, c in buckets.items())
    if not bs or bs[-1][1] <= 0:
        return None, None, None
    rank = q * bs[-1][1]
    lo_le, lo_c = 0.0, 0.0
    for le, c in bs:
        if c >= rank:
            if le == math.inf:
                return lo_le, lo_le, math.inf
            if c == lo_c:
                return le, lo_le, le
            return lo_le + (le - lo_le) * (rank - lo_c) / (c - lo_c), lo_le, le
        lo_le, lo_c = le, c
    return None, None, None


# ---- /proc -----------------------------------------------------------------------------
def ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])
    except (OSError, IndexError):
        return None


def status_kb(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
                elif k == "Threads":
                    out[k] = int(v)
    except OSError:
        pass
    return out


def machine_busy():
    """Busy CPU seconds of the whole machine (all CPUs, without idle and iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / CLK_TCK


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def window(pids, duration, on_tick=None, every=0):
    """The measured window: CPU ticks of each process before and after, their RSS sampled
    every 5 s, stops early when one exits. on_tick(now) is called every `every` seconds."""
    t0 = {n: ticks(p) for n, p in pids.items()}
    b0 = machine_busy()
    w0 = time.monotonic()
    end = w0 + duration
    rss_max = {n: 0 for n in pids}
    exited = None
    next_sample = w0
    next_tick = w0 + every if every else math.inf
    while True:
        now = time.monotonic()
        if now >= next_sample:
            for n, p in pids.items():
                st = status_kb(p)
                if not st:
                    exited = n
                rss_max[n] = max(rss_max[n], st.get("VmRSS", 0))
            next_sample = now + 5
        if exited or now >= end:
            break
        if now >= next_tick:
            on_tick()
            next_tick += every
        time.sleep(max(0.0, min(1.0, end - now, next_sample - now)))
    wall = time.monotonic() - w0
    t1 = {n: ticks(p) for n, p in pids.items()}
    end_unix = time.time()
    busy = machine_busy() - b0
    out = {"wall": wall, "end_unix": end_unix, "exited": exited, "machine_busy_s": busy, "procs": {}}
    for n, p in pids.items():
        st = status_kb(p)
        cpu = None if t0[n] is None or t1[n] is None else (t1[n] - t0[n]) / CLK_TCK
        out["procs"][n] = {"pid": p, "cpu_s": cpu, "cpu_pct": None if cpu is None else 100 * cpu / wall,
                           "rss_kb": st.get("VmRSS"), "hwm_kb": st.get("VmHWM"),
                           "rss_sampled_max_kb": rss_max[n] or None, "threads": st.get("Threads"),
                           "fds": fd_count(p)}
    return out


def curl_metrics(url):
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download}",
                        "--max-time", "120", url + "/metrics"], capture_output=True, text=True)
    parts = r.stdout.split()
    if r.returncode != 0 or len(parts) != 3:
        return {"error": (r.stderr or r.stdout).strip()[:300]}
    return {"code": int(parts[0]), "time_s": float(parts[1]), "bytes": int(parts[2])}


def measure_rp(phase, url, pid, listener, duration, every, out):
    rec = {"phase": phase, "system": "reachprobe"}
    try:
        a = snapshot(url)
    except OSError as e:
        rec["error"] = f"/metrics before the window: {e}"
        json.dump(rec, open(out, "w"))
        return
    scrapes_in_window = []

    def scrape():
        scrapes_in_window.append(curl_metrics(url))

    w = window({"reachprobe": pid, "listener": listener}, duration, scrape, every)
    rec.update(w)
    rec["scrapes_in_window"] = scrapes_in_window
    rec["before"] = a
    if w["exited"] == "reachprobe":
        rec["error"] = f"reachprobe exited after {w['wall']:.0f} s of the window"
        json.dump(rec, open(out, "w"))
        return
    try:
        b = snapshot(url)
    except OSError as e:
        rec["error"] = f"/metrics after the window: {e}"
        json.dump(rec, open(out, "w"))
        return
    rec["after"] = b
    rec["curl"] = [curl_metrics(url) for _ in range(3)]
    json.dump(rec, open(out, "w"))


# ---- Prometheus + blackbox -------------------------------------------------------------
def prom_query(url, q, at=None):
    """An instant query; `at` (Unix time) pins the evaluation time, so that several queries
    over one window count the same samples."""
    args = {"query": q} if at is None else {"query": q, "time": f"{at:.3f}"}
    with urllib.request.urlopen(url + "/api/v1/query?" + urllib.parse.urlencode(args), timeout=120) as r:
        d = json.load(r)
    return {json.dumps(x["metric"], sort_keys=True): float(x["value"][1]) for x in d["data"]["result"]}


def measure_bb(phase, prom_url, bb_pid, prom_pid, listener, duration, out):
    rec = {"phase": phase, "system": "blackbox"}
    try:
        rec["targets_up_before"] = sum(prom_query(prom_url, "count(up)").values())
    except (OSError, KeyError, ValueError) as e:
        rec["targets_up_before"] = None
        rec["query_error"] = str(e)
    w = window({"blackbox": bb_pid, "prometheus": prom_pid, "listener": listener}, duration)
    rec.update(w)
    if w["exited"] in ("blackbox", "prometheus"):
        rec["error"] = f"{w['exited']} exited after {w['wall']:.0f} s of the window"
    d = max(1, int(w["wall"]))
    queries = {
        "scrapes": f"sum(count_over_time(up[{d}s]))",
        "scrapes_up": f"sum(sum_over_time(up[{d}s]))",
        "probe_success": f"sum by (job) (sum_over_time(probe_success[{d}s]))",
        "probes": f"sum by (job) (count_over_time(probe_success[{d}s]))",
        "scrape_duration_p99": "quantile(0.99, scrape_duration_seconds)",
        "targets": "count(up)",
    }
    rec["prom"] = {}
    for k, q in queries.items():
        try:
            rec["prom"][k] = prom_query(prom_url, q, w["end_unix"])
        except (OSError, KeyError, ValueError) as e:
            rec["prom"][k] = {"error": str(e)}
    # Why scrapes failed: the targets' health and their last errors (digits folded), tallied.
    try:
        with urllib.request.urlopen(prom_url + "/api/v1/targets?state=active", timeout=120) as r:
            tl = json.load(r)["data"]["activeTargets"]
        health, errs = {}, {}
        for t in tl:
            health[t.get("health", "?")] = health.get(t.get("health", "?"), 0) + 1
            e = re.sub(r"[0-9]+", "N", t.get("lastError", ""))[:200]
            if e:
                errs[e] = errs.get(e, 0) + 1
        rec["health"] = health
        rec["last_errors"] = sorted(errs.items(), key=lambda x: -x[1])[:5]
    except (OSError, KeyError, ValueError) as e:
        rec["health_error"] = str(e)
    # Prometheus' own summary of the time between two scrapes of one target: its start lag.
    try:
        body = get(prom_url + "/metrics")[1].decode()
        for line in body.splitlines():
            if line.startswith("prometheus_target_interval_length_seconds{"):
                m = LINE.match(line)
                lb = dict(LABEL.findall(m.group(3) or ""))
                rec.setdefault("interval_length", {})[lb.get("quantile", "?")] = float(m.group(4))
    except (OSError, AttributeError) as e:
        rec["interval_length_error"] = str(e)
    json.dump(rec, open(out, "w"))


# ---- report ----------------------------------------------------------------------------
def mib(kb):
    return None if kb is None else kb / 1024


def verdict(ok):
    return "" if ok is None else ("meets" if ok else "MISSES")


def delta(a, b):
    return {k: b.get(k, 0) - a.get(k, 0) for k in b}


def report_rp(r, keys, interval, gen):
    print()
    print(f'== {r["phase"]}: reachprobe serve, {keys} keys every {interval} s'
          + (f', {gen["holes"]} addresses ({gen["hole_keys"]} keys) black-holed' if r["phase"] == "blackholed" else ""))
    if "error" in r and "after" not in r:
        print(f'  NO RESULT: {r["error"]}')
        return
    p = r["procs"]["reachprobe"]
    a, b = r["before"], r["after"]
    lag_w = delta(a["lag"], b["lag"])
    q50, _, _ = quantile(0.5, lag_w)
    q99, lo99, hi99 = quantile(0.99, lag_w)
    s50, _, _ = quantile(0.5, b["lag"])
    s99, slo99, shi99 = quantile(0.99, b["lag"])
    runs = b["runs"] - a["runs"]
    skipped = b["skipped"] - a["skipped"]
    times = sorted(c["time_s"] for c in r["curl"] if "time_s" in c)
    sizes = sorted(c["bytes"] for c in r["curl"] if "bytes" in c)
    scrape = statistics.median(times) if times else None
    expect = keys * r["wall"] / interval
    rows = [
        ("CPU, % of one core", fmt(p["cpu_pct"], ".2f") + " %", "<= 10 %",
         verdict(None if p["cpu_pct"] is None else p["cpu_pct"] <= GOALS["cpu_pct"])),
        ("RSS max (VmHWM)", fmt(mib(p["hwm_kb"]), ".1f") + " MiB", "<= 96 MiB",
         verdict(None if p["hwm_kb"] is None else mib(p["hwm_kb"]) <= GOALS["rss_mib"])),
        ("RSS at the end (VmRSS)", fmt(mib(p["rss_kb"]), ".1f") + " MiB", "<= 96 MiB",
         verdict(None if p["rss_kb"] is None else mib(p["rss_kb"]) <= GOALS["rss_mib"])),
        ("start lag p50 (window)", fmt(q50 * 1000 if q50 is not None else None, ".2f") + " ms", "", ""),
        ("start lag p99 (window)", fmt(q99 * 1000 if q99 is not None else None, ".2f") + " ms"
         + (f" in ({lo99 * 1000:g}, {hi99 * 1000:g}] ms" if q99 is not None else ""), "<= 100 ms",
         verdict(None if q99 is None else hi99 <= GOALS["lag_p99_s"])),
        ("skipped runs (window)", f"{skipped:.0f}", "0", verdict(skipped == 0)),
        ("runs finished (window)", f"{runs:.0f} (keys x wall / interval = {expect:.0f})", "", ""),
        ("full /metrics scrape, median of 3", fmt(scrape, ".3f") + " s, "
         + (f"{statistics.median(sizes) / 1e6:.2f} MB" if sizes else "n/a"), "<= 1 s",
         verdict(None if scrape is None else scrape <= GOALS["scrape_s"])),
    ]
    print(f'  {"figure":<36}{"measured":<40}{"goal":<12}')
    for name, val, goal, v in rows:
        print(f"  {name:<36}{val:<40}{goal:<12}{v}")
    print(f'  window {r["wall"]:.1f} s; since start-up: {b["runs"]:.0f} runs, {b["skipped"]:.0f} skipped, '
          f'start lag p50 {fmt(s50 * 1000 if s50 is not None else None, ".2f")} ms, '
          f'p99 {fmt(s99 * 1000 if s99 is not None else None, ".2f")} ms'
          + (f" in ({slo99 * 1000:g}, {shi99 * 1000:g}] ms" if s99 is not None else "")
          + f', {b["lag"].get("+Inf", 0):.0f} starts in the histogram')
    print(f'  scheduled keys {fmt(b["scheduled_keys"], ".0f")}, series with probe_runs_total {b["runs_keys"]}, '
          f'probes in flight at the end {fmt(b["in_flight"], ".0f")}, '
          f'internal errors {b["internal_errors"]:.0f} (window {b["internal_errors"] - a["internal_errors"]:.0f}), '
          f'sd read errors {b["sd_errors"]:.0f}')
    succ = ", ".join(f'{m} {b["success"].get(m, 0):.0f}/{b["with_success"].get(m, 0)}' for m in sorted(b["with_success"]))
    print(f'  probe_success 1 at the end (latest run of each key): {succ or "none"}')
    fw = {k: v for k, v in delta(a["failures"], b["failures"]).items() if v}
    if fw:
        print("  failures in the window (module layer/reason: count): "
              + ", ".join(f"{k}: {v:.0f}" for k, v in sorted(fw.items())))
    print(f'  threads {p["threads"]}, fds {p["fds"]}, RSS sampled max {fmt(mib(p["rss_sampled_max_kb"]), ".1f")} MiB; '
          f'listener CPU {fmt(r["procs"]["listener"]["cpu_pct"], ".1f")} %; '
          f'machine busy {r["machine_busy_s"] / r["wall"] * 100:.0f} % of one core in all')
    print("  /metrics scrapes after the window: " + "; ".join(
        (f'{c["time_s"]:.3f} s {c["bytes"]} B (HTTP {c["code"]})' if "time_s" in c else c["error"]) for c in r["curl"])
          + f'; {b["lines"]} samples')
    if r.get("scrapes_in_window"):
        t = sorted(c["time_s"] for c in r["scrapes_in_window"] if "time_s" in c)
        print(f'  {len(r["scrapes_in_window"])} /metrics scrapes during the window: median '
              f'{fmt(statistics.median(t) if t else None, ".3f")} s, max {fmt(t[-1] if t else None, ".3f")} s')
    if "error" in r:
        print(f'  NOTE: {r["error"]}')


def report_bb(r, keys, interval):
    print()
    print(f"== blackbox: Prometheus scraping blackbox_exporter /probe, {keys} targets every {interval} s")
    if "procs" not in r:
        print(f'  NO RESULT: {r.get("error")}')
        return
    print(f'  {"process":<14}{"CPU % of one core":>19}{"RSS max MiB":>13}{"RSS end MiB":>13}{"threads":>9}{"fds":>7}')
    for n in ("blackbox", "prometheus"):
        p = r["procs"][n]
        print(f'  {n:<14}{fmt(p["cpu_pct"], ".2f"):>19}{fmt(mib(p["hwm_kb"]), ".1f"):>13}'
              f'{fmt(mib(p["rss_kb"]), ".1f"):>13}{str(p["threads"]):>9}{str(p["fds"]):>7}')
    bb, pr = r["procs"]["blackbox"], r["procs"]["prometheus"]
    if bb["cpu_pct"] is not None and pr["cpu_pct"] is not None:
        print(f'  {"both":<14}{bb["cpu_pct"] + pr["cpu_pct"]:>19.2f}'
              f'{fmt(mib((bb["hwm_kb"] or 0) + (pr["hwm_kb"] or 0)), ".1f"):>13}'
              f'{fmt(mib((bb["rss_kb"] or 0) + (pr["rss_kb"] or 0)), ".1f"):>13}'
              f'   (reachprobe goals: <= 10 % CPU, <= 96 MiB RSS)')
    q = r.get("prom", {})

    def one(k):
        v = q.get(k, {})
        return None if not v or "error" in v else sum(v.values())

    scrapes, up = one("scrapes"), one("scrapes_up")
    expect = keys * r["wall"] / interval
    print(f'  window {r["wall"]:.1f} s; targets in Prometheus {fmt(one("targets"), ".0f")}; scrapes in the window '
          f'{fmt(scrapes, ".0f")} (keys x wall / interval = {expect:.0f}), up=1 {fmt(up, ".0f")}, '
          f'up=0 {fmt(None if scrapes is None or up is None else scrapes - up, ".0f")}')
    ps, pn = q.get("probe_success", {}), q.get("probes", {})
    if ps and "error" not in ps:
        print("  probe_success 1 in the window per job: " + ", ".join(
            f'{json.loads(k).get("job", "?")} {v:.0f}/{pn.get(k, 0):.0f}' for k, v in sorted(ps.items())))
    if r.get("health"):
        print("  targets' health at the end: " + ", ".join(f"{k} {v}" for k, v in sorted(r["health"].items()))
              + "".join(f"\n    last error x{n}: {e}" for e, n in r.get("last_errors", [])))
    il = r.get("interval_length", {})
    if il:
        print("  Prometheus' time between two scrapes of a target (its own summary, all targets): "
              + ", ".join(f"q{k} {v:.3f} s" for k, v in sorted(il.items())))
    print(f'  scrape_duration_seconds p99 over the targets at the end: {fmt(one("scrape_duration_p99"), ".3f")} s; '
          f'listener CPU {fmt(r["procs"]["listener"]["cpu_pct"], ".1f")} %; '
          f'machine busy {r["machine_busy_s"] / r["wall"] * 100:.0f} % of one core in all')
    if "error" in r:
        print(f'  NOTE: {r["error"]}')


def report(keys, interval, genfile, files):
    gen = json.load(open(genfile))
    for r in load(files):
        if r["system"] == "reachprobe":
            report_rp(r, keys, interval, gen)
        else:
            report_bb(r, keys, interval)


if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "gen":
        gen(int(a[0]), int(a[1]), a[2], int(a[3]), int(a[4]), a[5], a[6], int(a[7]))
    elif cmd == "ready":
        ready(a[0], a[1])
    elif cmd == "wait_keys":
        wait_keys(a[0], a[1], a[2])
    elif cmd == "measure_rp":
        measure_rp(a[0], a[1], int(a[2]), int(a[3]), float(a[4]), int(a[5]), a[6])
    elif cmd == "measure_bb":
        measure_bb(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), float(a[5]), a[6])
    elif cmd == "report":
        report(int(a[0]), int(a[1]), a[2], a[3:])
PY

lab_start_listener "$ns_t"
lab_verify_listener "$ns_p"
in_p ping -c 1 -W 2 198.19.0.1 >/dev/null 2>&1 || die "lab: no ICMP echo reply from 198.19.0.1"

gen_summary=$("$python" "$work/helper.py" gen "$keys" "$blackhole_pct" "$work" "$interval" "$timeout_s" \
  "$max_concurrency" "$sd" "$bb_port")
hole_keys=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["hole_keys"])' "$work/gen.json")

if ((want_rp)); then
  "$reachprobe" validate --config.file "$work/reachprobe.yml" >"$work/rp.check" 2>&1 ||
    die "reachprobe rejects the config: $(head -c 1000 "$work/rp.check")"
fi
if ((want_bb)); then
  "$blackbox" --config.check --config.file="$work/blackbox.yml" >"$work/bb.check" 2>&1 ||
    die "blackbox_exporter rejects the config: $(cat "$work/bb.check")"
fi

echo "schedule_bench: scheduled probing, reachprobe serve vs Prometheus + blackbox_exporter"
echo "  lab $ns_p (198.18.0.1, exporters on 127.0.0.1) -> $ns_t (198.19.0.0/16 AnyIP via 198.18.0.2: ICMP echo, TCP/22 listener)"
versions="$(host_summary)"
((want_rp)) && versions+=", $("$reachprobe" version 2>&1 | head -n 1)"
((want_bb)) && versions+=", $("$blackbox" --version 2>&1 | head -n 1), $("$prometheus" --version 2>&1 | head -n 1)"
echo "  $versions"
echo "  load average before: $(loadavg) (other work on the machine skews the figures)"
echo "  $gen_summary"
echo "  KEYS=$keys INTERVAL=${interval}s TIMEOUT=${timeout_s}s (module timeout; Prometheus scrape_timeout) WARMUP=${warmup}s DURATION=${duration}s per phase"
echo "  PHASES: $phases; SD=$sd; BLACKHOLE_PCT=$blackhole_pct; max_concurrency ${max_concurrency:-the default}; /metrics scraped during the window: $([[ $metrics_every == 0 ]] && echo no || echo "every ${metrics_every}s")"
if [[ " $phases " == *" blackholed "* ]]; then
  # Each black-holed run holds a probe slot for the whole timeout.
  echo "  blackholed: $hole_keys keys x ${timeout_s}s timeout / ${interval}s interval = ~$((hole_keys * timeout_s / interval)) probes in flight on average from the holes alone (max_concurrency ${max_concurrency:-default})"
fi
echo "  descriptor limit (ulimit -n) $(ulimit -Sn); the systems run one after the other, never at once; each phase starts a fresh process"

# ---- phases ----------------------------------------------------------------------------
run_reachprobe() { # PHASE
  local phase=$1 out="$work/$1.json"
  ip netns exec "$ns_p" "$reachprobe" serve --config.file "$work/reachprobe.yml" \
    --web.listen-address "127.0.0.1:$rp_port" >"$work/rp.$phase.log" 2>&1 </dev/null &
  local pid=$!
  sys_pids=("$pid")
  local r
  r=$(in_p "$python" "$work/helper.py" ready "http://127.0.0.1:$rp_port/-/healthy" 60 2>&1) ||
    { echo "  $phase: reachprobe serve did not start: $r; log: $(tail -c 1500 "$work/rp.$phase.log")"; stop_system; return; }
  [[ $(readlink "/proc/$pid/exe") == "$reachprobe"* ]] || die "pid $pid is not reachprobe ($(readlink "/proc/$pid/exe"))"
  r=$(in_p "$python" "$work/helper.py" wait_keys "http://127.0.0.1:$rp_port" "$keys" 60 2>&1) ||
    echo "  $phase: note: $r" >&2
  echo "  $phase: reachprobe pid $pid up, $r scheduled keys; warm-up ${warmup}s, then a ${duration}s window"
  sleep "$warmup"
  in_p "$python" "$work/helper.py" measure_rp "$phase" "http://127.0.0.1:$rp_port" "$pid" "$listener_pid" \
    "$duration" "$metrics_every" "$out" || echo "  $phase: measurement failed (exit $?)"
  if ! kill -0 "$pid" 2>/dev/null; then
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    echo "  $phase: REACHPROBE EXITED (status $rc); log tail: $(tail -c 1500 "$work/rp.$phase.log")"
  fi
  stop_system
  local lines
  lines=$(wc -l <"$work/rp.$phase.log")
  echo "  $phase: done; reachprobe logged $lines line(s)$( ((lines > 0)) && printf ', the first: %s' "$(head -n 5 "$work/rp.$phase.log" | cut -c1-300 | tr '\n' '|')")"
  if ((lines > 5)); then
    echo "  $phase: distinct log messages (digits folded), most frequent first:"
    sed -E 's/[0-9]+/N/g' "$work/rp.$phase.log" | cut -c1-200 | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/    /'
  fi
  if [[ -s $out ]]; then records+=("$out"); fi
}

run_blackbox() {
  local out="$work/blackbox.json"
  ip netns exec "$ns_p" "$blackbox" --config.file="$work/blackbox.yml" \
    --web.listen-address="127.0.0.1:$bb_port" >"$work/bb.log" 2>&1 </dev/null &
  local bb_pid=$!
  sys_pids=("$bb_pid")
  local r
  r=$(in_p "$python" "$work/helper.py" ready "http://127.0.0.1:$bb_port/-/healthy" 30 2>&1) ||
    { echo "  blackbox: blackbox_exporter did not start: $r; log: $(tail -c 1000 "$work/bb.log")"; stop_system; return; }
  mkdir -p "$work/tsdb"
  ip netns exec "$ns_p" "$prometheus" --config.file="$work/prometheus.yml" \
    --storage.tsdb.path="$work/tsdb" --storage.tsdb.retention.time=1d \
    --web.listen-address="127.0.0.1:$prom_port" >"$work/prom.log" 2>&1 </dev/null &
  local prom_pid=$!
  sys_pids+=("$prom_pid")
  r=$(in_p "$python" "$work/helper.py" ready "http://127.0.0.1:$prom_port/-/ready" 120 2>&1) ||
    { echo "  blackbox: Prometheus did not start: $r; log: $(tail -c 1500 "$work/prom.log")"; stop_system; return; }
  [[ $(readlink "/proc/$bb_pid/exe") == "$(readlink -f "$blackbox")"* ]] || die "pid $bb_pid is not blackbox_exporter"
  [[ $(readlink "/proc/$prom_pid/exe") == "$(readlink -f "$prometheus")"* ]] || die "pid $prom_pid is not Prometheus"
  echo "  blackbox: blackbox_exporter pid $bb_pid, Prometheus pid $prom_pid up; warm-up ${warmup}s, then a ${duration}s window"
  sleep "$warmup"
  in_p "$python" "$work/helper.py" measure_bb blackbox "http://127.0.0.1:$prom_port" "$bb_pid" "$prom_pid" \
    "$listener_pid" "$duration" "$out" || echo "  blackbox: measurement failed (exit $?)"
  stop_system
  echo "  blackbox: done; blackbox_exporter logged $(wc -l <"$work/bb.log") line(s), Prometheus $(grep -c 'level=error\|level=warn' "$work/prom.log" || true) warning/error line(s)"
  grep 'level=error\|level=warn' "$work/prom.log" | head -n 3 | cut -c1-300 | sed 's/^/    prometheus: /' || true
  if [[ -s $out ]]; then records+=("$out"); fi
}

blackhole() { # on|off
  if [[ $1 == on ]]; then
    ip netns exec "$ns_t" nft -f "$work/blackhole.nft" || die "nft: cannot load the blackhole table"
    # 198.19.0.1 is the first address, always in the hole; 198.19.0.100 (index 99) never is.
    ! in_p ping -c 1 -W 1 198.19.0.1 >/dev/null 2>&1 || die "lab: 198.19.0.1 still answers with the blackhole loaded"
    if ((blackhole_pct < 100)); then
      in_p ping -c 1 -W 2 198.19.0.100 >/dev/null 2>&1 || die "lab: 198.19.0.100 does not answer beside the blackhole"
    fi
  else
    ip netns exec "$ns_t" nft delete table inet rpsc_blackhole 2>/dev/null || true
  fi
}

records=()
for p in "${phase_list[@]}"; do
  case $p in
  reachprobe) run_reachprobe reachprobe ;;
  blackbox) run_blackbox ;;
  blackholed)
    blackhole on
    run_reachprobe blackholed
    blackhole off
    ;;
  esac
done
echo "  load average after: $(loadavg)"

((${#records[@]} > 0)) || die "nothing was measured"
"$python" "$work/helper.py" report "$keys" "$interval" "$work/gen.json" "${records[@]}"
cat <<'EOF'

CPU: utime+stime of /proc/PID/stat (all threads, 10 ms ticks) over the window, divided by the
window's wall time: 100 % is one core busy. RSS max: VmHWM of /proc/PID/status after the window
(the peak since the process started, start-up included); RSS at the end: VmRSS. Start lag: the
reachprobe_schedule_start_lag_seconds histogram (actual minus intended start), the window's
increase (after minus before); p50/p99 are histogram_quantile estimates, linear inside the
bucket that holds the rank, so they are only as fine as the buckets (.001 .005 .01 .025 .05 .1
...); the bucket is printed, and "meets" is judged on its upper bound. Skipped and finished runs:
the window's increase of sum(probe_runs_skipped_total) and sum(probe_runs_total). /metrics: three
`curl` GETs of the full exposition after the window (no compression), median time_total and
size. Blackbox: Prometheus' and blackbox_exporter's CPU and RSS over the same kind of window,
and its scrape counts from Prometheus' own TSDB. "machine busy" is /proc/stat's busy time of all
CPUs over the window: much more than the processes listed means other work skewed the run.
EOF
