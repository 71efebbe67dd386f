#!/usr/bin/env bash
# history_bench.sh - what the history store (issue 12, acceptance item 5) costs `reachprobe serve`.
#
# Builds the two-namespace AnyIP lab of schedule_bench.sh (a prober namespace, and a target
# namespace that answers ICMP echo and accepts TCP/22 on every address of 198.19.0.0/16) with
# DOWN_PCT % of the addresses black-holed by nft, and measures, beside the goals:
#   disk    (c) a synthetic store as a year-old install holds it at the retention (1 h of raw
#           runs, 48 h of 10-minute rows, RETENTION_DAYS of hour rows and events), made with
#           python3's sqlite3 in the store's own schema: its file size, and its bytes per table
#   write   (b) `reachprobe serve` probing KEYS keys (half icmp, half tcp_connect) every
#           INTERVAL s for DURATION s: the CPU of the store's worker thread (`rp-history`) as %
#           of one core, the whole process's, its disk writes; with WRITE_STORES "full" on a
#           copy of the disk phase's store (steady state: the hourly delete of old raw runs and
#           the b-trees at their full size), "empty" on a new file (its growth per run and its
#           bytes per row, from which the 30-day size is extrapolated); a `perf` profile of the
#           worker thread after the window
#   memory  (b) the same run with --storage.path=:memory: for comparison
#   pages   (a) a synthetic 7-day store, serve started on (a copy of) it, and once the board is
#           restored, REQUESTS timed GETs (curl) of /status, /status?state=down, /api/v1/targets,
#           /api/v1/targets?per_page=1000, a key page /status/ID and /api/v1/targets/ID/history,
#           once per interval in PAGE_INTERVALS (the default pair: keys probed every INTERVAL s,
#           the real load; and every 3600 s, nearly idle)
# then one table: figure, measured, goal, meets/MISSES. A benchmark, not a test.
#
# usage: sudo bench/history_bench.sh [REACHPROBE_BINARY]
# env:   REACHPROBE      binary (default: build/reachprobe under the repository root)
#        KEYS            scheduled keys (default 10000; 2..100000), half icmp, half tcp_connect
#        INTERVAL        seconds between runs of a key (default 10)
#        TIMEOUT         module timeout, seconds (default 5; < INTERVAL)
#        DURATION        seconds measured per write/memory run (default 300)
#        WARMUP          seconds after start-up before a write window (default 60: every key's
#                        first run, a state change with its evidence, and the first maintenance)
#        PHASES          default "disk write memory pages"
#        WRITE_STORES    write runs: "full" (on the disk phase's store) and/or "empty" (default both)
#        DOWN_PCT        % of the addresses black-holed (keys down) live and in the stores (default 2)
#        FLAKY_PCT       % of the keys with past outages in the synthetic stores (default 5)
#        OUTAGES_PER_DAY outages per flaky key and day, 1..30 runs each (default 1)
#        RETENTION_DAYS  --storage.retention and the disk phase's span, days (default 30)
#        REQUESTS        GETs per page (default 10)
#        REQUEST_GAP     seconds between two rounds of GETs (default 6: the rounds span a minute,
#                        so the store's once-a-minute maintenance falls among them)
#        PAGE_INTERVALS  key intervals of the pages runs (default "INTERVAL 3600")
#        PERF_SECONDS    seconds of `perf record` on the worker thread after the full write
#                        window (default 60; 0: no profile)
#
# Traffic stays inside the lab namespaces and inside 198.18.0.0/15. Everything it creates (two
# namespaces, an nft table inside the target one, the listener, reachprobe, the stores in a
# temporary directory) is removed on exit, including on failure or Ctrl-C.
set -euo pipefail
export LC_ALL=C

bench_name=history_bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh" # skip, die, checks, the lab, clean-up

reachprobe=${1:-${REACHPROBE:-$repo_root/build/reachprobe}}
keys=${KEYS:-10000}
interval=${INTERVAL:-10}
timeout_s=${TIMEOUT:-5}
duration=${DURATION:-300}
warmup=${WARMUP:-60}
phases=${PHASES:-disk write memory pages}
write_stores=${WRITE_STORES:-full empty}
down_pct=${DOWN_PCT:-2}
flaky_pct=${FLAKY_PCT:-5}
outages=${OUTAGES_PER_DAY:-1}
retention_days=${RETENTION_DAYS:-30}
requests=${REQUESTS:-10}
request_gap=${REQUEST_GAP:-6}
page_intervals=${PAGE_INTERVALS:-$interval 3600}
perf_seconds=${PERF_SECONDS:-60}
rp_port=19117

# ---- prerequisites: anything missing is a skip, not a failure -------------------------
require_root
require_tools ip python3 curl nft
check_range KEYS "$keys" 100000
((keys >= 2)) || die "KEYS must be at least 2 (one icmp and one tcp_connect key), got '$keys'"
check_range INTERVAL "$interval" 3600
check_positive TIMEOUT "$timeout_s"
((timeout_s < interval)) || die "TIMEOUT ($timeout_s) must be below INTERVAL ($interval)"
check_positive DURATION "$duration"
[[ $warmup =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer, got '$warmup'"
if ! [[ $down_pct =~ ^[0-9]+$ ]] || ((down_pct > 50)); then die "DOWN_PCT must be an integer in 0..50, got '$down_pct'"; fi
if ! [[ $flaky_pct =~ ^[0-9]+$ ]] || ((down_pct + flaky_pct > 100)); then
  die "FLAKY_PCT must be an integer, DOWN_PCT + FLAKY_PCT <= 100, got '$flaky_pct'"
fi
check_range OUTAGES_PER_DAY "$outages" 100
check_range RETENTION_DAYS "$retention_days" 400
check_range REQUESTS "$requests" 1000
[[ $request_gap =~ ^[0-9]+$ ]] || die "REQUEST_GAP must be a non-negative integer, got '$request_gap'"
[[ $perf_seconds =~ ^[0-9]+$ ]] || die "PERF_SECONDS must be a non-negative integer, got '$perf_seconds'"
read -r -a phase_list <<<"$phases"
((${#phase_list[@]} > 0)) || die "PHASES is empty"
for p in "${phase_list[@]}"; do
  case $p in disk | write | memory | pages) ;; *) die "PHASES: unknown phase '$p' (disk, write, memory, pages)" ;; esac
done
read -r -a write_list <<<"$write_stores"
for s in "${write_list[@]}"; do
  [[ $s == full || $s == empty ]] || die "WRITE_STORES: unknown store '$s' (full, empty)"
done
read -r -a page_interval_list <<<"$page_intervals"
check_list PAGE_INTERVALS 86400 "${page_interval_list[@]}"
for i in "${page_interval_list[@]}"; do
  ((timeout_s < i)) || die "PAGE_INTERVALS: $i is not above TIMEOUT ($timeout_s)"
done
require_reachprobe
require_epochrealtime
find_python
want_perf=0
if ((perf_seconds > 0)); then
  if command -v perf >/dev/null 2>&1; then want_perf=1; else echo "note: no perf in PATH, no profile of the worker"; fi
fi
# 10,000 keys: probes in flight and HTTP connections all take descriptors.
ulimit -Hn 262144 2>/dev/null || true
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true

# ---- lab -----------------------------------------------------------------------------
# prober rphi<pid>-p (198.18.0.1; reachprobe's web port on its 127.0.0.1) -> target rphi<pid>-t
# (198.18.0.2, AnyIP 198.19.0.0/16: ICMP echo and a TCP/22 listener on every address)
ns_p="rphi$$-p"
ns_t="rphi$$-t"
sys_pids=() # the running reachprobe, stopped at the end of each run
lab_kill_signal=KILL
lab_begin rphi "$ns_p" "$ns_t"
cd -- "$work"

bench_cleanup() {
  stop_system
}

# TERM first: serve then writes its pending batch and open aggregates, which the byte counts
# after a run include. KILL only if it has not gone after 60 s.
stop_system() {
  lab_stop_pids 600 "${sys_pids[@]}"
  sys_pids=()
}

in_p() { ip netns exec "$ns_p" "$@"; }

lab_scheduling_pair "$ns_p" "$ns_t"

cat >"$work/helper.py" <<'PY'
"""Helpers for history_bench.sh: configs, synthetic stores, the measured windows, the report."""
import json, math, os, random, re, sqlite3, statistics, struct, subprocess, sys, time, urllib.request

from benchlib import fmt, header, load

CLK_TCK = os.sysconf("SC_CLK_TCK")
GIB = 1024 ** 3
GOALS = {"page_s": 0.200, "worker_pct": 2.0, "disk_bytes": GIB}
SAMPLE_UP = "198.19.255.1"     # addresses of the evidence samples' run, never a key's
SAMPLE_HOLE = "198.19.255.254"


def addr(i):
    return f"198.19.{i // 250}.{i % 250 + 1}"


def key_list(keys):
    """The keys as the config lists them: (index, address, target, module), icmp first."""
    n_icmp, n_tcp = (keys + 1) // 2, keys // 2
    return ([(i, addr(i), addr(i), "icmp") for i in range(n_icmp)]
            + [(i, addr(i), addr(i) + ":22", "tcp_connect") for i in range(n_tcp)])


def fnv1a(target, module):
    """schedule::key_hash: FNV-1a 64 over target, one NUL, module."""
    h = 14695981039346656037
    for b in target.encode() + b"\0" + module.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def is_hole(i, down_pct):
    return i % 100 < down_pct


# ---- configs ---------------------------------------------------------------------------
MODULES = ("modules:\n"
           "  icmp:\n    prober: icmp\n    timeout: {t}s\n    icmp:\n      preferred_ip_protocol: ip4\n"
           "  tcp_connect:\n    prober: tcp\n    timeout: {t}s\n    tcp:\n      preferred_ip_protocol: ip4\n")


def gen_config(keys, interval, timeout, out):
    """serve's config: the keys in `targets:` (KEYS=0: the evidence samples' four keys)."""
    if keys == 0:
        icmp, tcp = [SAMPLE_UP, SAMPLE_HOLE], [SAMPLE_UP + ":22", SAMPLE_HOLE + ":22"]
    else:
        kl = key_list(keys)
        icmp = [t for _, _, t, m in kl if m == "icmp"]
        tcp = [t for _, _, t, m in kl if m == "tcp_connect"]
    text = [MODULES.format(t=timeout), "scheduler:\n  vantage: bench\n", "targets:\n"]
    for name, tl in (("icmp", icmp), ("tcp_connect", tcp)):
        text.append(f"  - targets: {json.dumps(tl)}\n    module: {name}\n    interval: {interval}s\n")
    with open(out, "w") as f:
        f.write("".join(text))


def gen_nft(keys, down_pct, out):
    """The black hole: the first DOWN_PCT of every 100 addresses (both modules' keys on them
    are down), and the samples' failing address."""
    holes = [addr(i) for i in range((keys + 1) // 2) if is_hole(i, down_pct)] + [SAMPLE_HOLE]
    with open(out, "w") as f:
        f.write("table inet rphi_blackhole {\n  set holes {\n    type ipv4_addr\n"
                f"    elements = {{ {', '.join(holes)} }}\n  }}\n"
                "  chain input {\n    type filter hook input priority 0; policy accept;\n"
                "    ip daddr @holes drop\n  }\n}\n")
    print(sum(1 for i, *_ in key_list(keys) if is_hole(i, down_pct)))


# ---- HTTP and /metrics -----------------------------------------------------------------
def get(url, timeout=60):
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


METRIC = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)', re.M)
WANTED = ("probe_runs_total", "reachprobe_scheduled_keys", "reachprobe_storage_errors_total",
          "reachprobe_storage_runs_dropped_total", "probe_runs_skipped_total")


def metrics(url):
    """Sums over all series of the few figures the report needs."""
    body = get(url + "/metrics", 120)[1].decode("utf-8", "replace")
    s = {k: 0.0 for k in WANTED}
    for m in METRIC.finditer(body):
        if m.group(1) in s:
            try:
                s[m.group(1)] += float(m.group(3))
            except ValueError:
                pass
    return s


def wait_keys(url, want, seconds):
    deadline = time.monotonic() + float(seconds)
    got = None
    while time.monotonic() < deadline:
        try:
            got = metrics(url)["reachprobe_scheduled_keys"]
            if int(got) == int(want):
                print(int(got))
                return
        except OSError:
            pass
        time.sleep(1)
    print(f"reachprobe_scheduled_keys is {got}, not {want}, after {seconds} s")
    sys.exit(1)


# ---- /proc -----------------------------------------------------------------------------
def stat_fields(path):
    with open(path) as f:
        return f.read().rsplit(")", 1)[1].split()


def threads(pid):
    """{tid: (comm, utime, stime, on-cpu ns from schedstat)} of every thread of pid."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        base = f"/proc/{pid}/task/{tid}"
        try:
            with open(base + "/comm") as f:
                comm = f.read().strip()
            st = stat_fields(base + "/stat")
            try:
                with open(base + "/schedstat") as f:
                    ns = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                ns = None
            out[int(tid)] = (comm, int(st[11]), int(st[12]), ns)
        except (OSError, IndexError):
            pass
    return out


def io(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k.strip()] = int(v)
    except (OSError, ValueError):
        pass
    return out


def status_kb(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / CLK_TCK


def worker_tid(pid, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for tid, t in threads(pid).items():
            if t[0] == "rp-history":
                return tid
        time.sleep(0.5)
    return None


def file_bytes(db):
    if db == ":memory:":
        return None
    return sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))


def measure_write(name, url, pid, duration, db, out):
    """The window: per-thread CPU (utime+stime, and schedstat's on-CPU time) before and after,
    the worker's and the process's I/O, the store file's size, /metrics' run counters."""
    rec = {"name": name, "db": db, "duration": duration}
    tid = worker_tid(pid)
    rec["worker_tid"] = tid
    try:
        m0 = metrics(url)
    except OSError as e:
        rec["error"] = f"/metrics before the window: {e}"
        json.dump(rec, open(out, "w"))
        return
    th0, io_w0, io_p0 = threads(pid), io(f"/proc/{pid}/task/{tid}/io"), io(f"/proc/{pid}/io")
    p0 = proc_ticks(pid)
    b0, size0, w0 = machine_busy(), file_bytes(db), time.monotonic()
    rss_max, wal_max = 0, 0
    end = w0 + duration
    while time.monotonic() < end:
        st = status_kb(pid)
        if not st:
            rec["error"] = f"reachprobe exited {time.monotonic() - w0:.0f} s into the window"
            break
        rss_max = max(rss_max, st.get("VmRSS", 0))
        if db != ":memory:" and os.path.exists(db + "-wal"):
            wal_max = max(wal_max, os.path.getsize(db + "-wal"))
        time.sleep(max(0.0, min(5.0, end - time.monotonic())))
    th1, io_w1, io_p1 = threads(pid), io(f"/proc/{pid}/task/{tid}/io"), io(f"/proc/{pid}/io")
    try:
        p1 = proc_ticks(pid)
    except (OSError, IndexError):
        p1 = p0
    wall, busy, size1 = time.monotonic() - w0, machine_busy() - b0, file_bytes(db)
    try:
        m1 = metrics(url)
    except OSError as e:
        rec.setdefault("error", f"/metrics after the window: {e}")
        m1 = m0
    by_comm = {}
    for t, (comm, u, s, ns) in th1.items():
        u0, s0 = (th0[t][1], th0[t][2]) if t in th0 else (0, 0)
        c = by_comm.setdefault(comm, [0, 0, 0])
        c[0] += u - u0
        c[1] += s - s0
        c[2] += 1
    wk0, wk1 = th0.get(tid), th1.get(tid)
    rec.update({
        "wall": wall, "machine_busy_s": busy,
        "proc_ticks": p1 - p0,
        "by_comm": by_comm,
        "worker": None if not (wk0 and wk1) else {
            "utime": wk1[1] - wk0[1], "stime": wk1[2] - wk0[2],
            "sched_ns": None if wk0[3] is None or wk1[3] is None else wk1[3] - wk0[3]},
        "worker_io": {k: io_w1.get(k, 0) - io_w0.get(k, 0) for k in io_w1},
        "proc_io": {k: io_p1.get(k, 0) - io_p0.get(k, 0) for k in io_p1},
        "size0": size0, "size1": size1, "wal_max": wal_max, "rss_max_kb": rss_max,
        "hwm_kb": status_kb(pid).get("VmHWM"),
        "m0": m0, "m1": m1,
    })
    json.dump(rec, open(out, "w"))


def proc_ticks(pid):
    """utime+stime of the whole process: /proc/PID/stat counts threads that have exited too."""
    st = stat_fields(f"/proc/{pid}/stat")
    return int(st[11]) + int(st[12])


# ---- the store's contents --------------------------------------------------------------
# The synthetic stores take their schema from the samples run's store, i.e. exactly as the
# binary under test creates it (prober/history/store_writer.cpp), not from a copy here that
# could fall behind.
def schema_of(db):
    """The CREATE statements (tables, then indexes, in the order serve made them), the meta
    rows, and the columns of each table."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    sql = [r[0] for r in con.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY type = 'index', rowid")]
    meta = con.execute("SELECT name, value FROM meta").fetchall()
    cols = {t: [c[1] for c in con.execute(f"PRAGMA table_info({t})")]
            for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    return sql, meta, cols


BOUNDS = (.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 60)


def lat_bucket(s):
    """history::latency_bucket: the first bound >= s (lower_bound), 14 above them all."""
    for i, b in enumerate(BOUNDS):
        if s <= b:
            return i
    return len(BOUNDS)


def samples(db, out):
    """Real events of the samples' serve run: per module the first run's state change (up) and
    the black-holed key's first failure, with sentence and evidence, for the synthetic stores."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    got = {}
    for module, target, ok, verdict, summary, evidence in con.execute(
            "SELECT k.module, k.target, e.ok, e.verdict, e.summary, e.evidence FROM events e "
            "JOIN keys k ON k.id = e.key WHERE e.state_change = 1 ORDER BY e.id"):
        host = target.rsplit(":", 1)[0] if module == "tcp_connect" else target
        if (ok and host != SAMPLE_UP) or (not ok and host != SAMPLE_HOLE):
            continue
        got.setdefault(module, {}).setdefault("ok" if ok else "fail", {
            "addr": host, "verdict": verdict, "summary": summary, "evidence": evidence})
    # The synthetic stores' rows join serve's keys only if their ids are the same hash.
    for key, target, module in con.execute("SELECT key, target, module FROM keys"):
        if key != f"{fnv1a(target, module):016x}":
            print(f"key id {key} of {target} {module} is not FNV-1a {fnv1a(target, module):016x}")
            sys.exit(1)
    missing = [f"{m} {k}" for m in ("icmp", "tcp_connect") for k in ("ok", "fail")
               if k not in got.get(m, {})]
    if missing:
        print(f"samples missing from the samples run: {', '.join(missing)}")
        sys.exit(1)
    json.dump(got, open(out, "w"))
    print(", ".join(f'{m} {k} {len(got[m][k]["evidence"])} B' for m in ("icmp", "tcp_connect")
                    for k in ("ok", "fail")) + " of evidence JSON")


def count_in(lo, hi, ph, iv):
    """Runs of a key (times = ph mod iv) in [lo, hi], seconds."""
    if hi < lo:
        return 0
    return max(0, (hi - ph) // iv - (lo - ph + iv - 1) // iv + 1)


def gen_store(path, keys, interval, hours, down_pct, flaky_pct, outages_per_day, timeout,
              retention_days, samples_file, schema_db, out):
    """A store as `reachprobe serve` would leave it after probing the config's keys for `hours`
    (up to now): 1 h of raw runs (in time order, as the one-second batches append them), the
    10-minute rows of the last 48 h with their latency counts, the hour rows, the events (each
    key's first run unless it is older than the retention, each outage's failure streak and
    recovery), a state row per key. Down keys (the black-holed addresses) are down since a
    random time of the last 7 days; flaky keys had OUTAGES_PER_DAY outages of 1..30 runs a day."""
    t_start = time.monotonic()
    rnd = random.Random(12)
    smp = json.load(open(samples_file))
    iv = interval
    now_ms = int(time.time() * 1000)
    now = now_ms // 1000
    t0 = now - hours * 3600
    retention_s = retention_days * 86400
    con = sqlite3.connect(path, isolation_level=None)
    # Made in one transaction with no journal: the file is new, and only its final contents
    # matter. WAL is set at the end, as the store keeps it.
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1048576")
    sql, meta, cols = schema_of(schema_db)
    for stmt in sql:
        con.execute(stmt)
    con.execute("BEGIN")
    con.executemany("INSERT INTO meta(name, value) VALUES(?, ?)", meta)
    # A streak's latest sentence, where the schema has it ('' for a single run).
    last_summary = "last_summary" in cols.get("events", [])
    K = []
    for row, (i, host, target, module) in enumerate(key_list(keys), start=1):
        h = fnv1a(target, module)
        phase_ms = h % (iv * 1000)
        k = {"row": row, "i": i, "host": host, "target": target, "module": module, "id": f"{h:016x}",
             "ph": phase_ms // 1000, "ms": phase_ms % 1000,
             "base": min(2.0, max(0.0003, rnd.lognormvariate(math.log(0.015), 0.9))),
             "streaks": [], "kind": "ok"}
        k["first"] = t0 + (k["ph"] - t0) % iv  # first run at or after t0
        k["last"] = now - (now - k["ph"]) % iv  # latest run at or before now
        if is_hole(i, down_pct):
            k["kind"] = "down"
            since = now - rnd.randint(3600, min(hours, 168) * 3600 - 60)
            since += (k["ph"] - since) % iv
            k["streaks"].append((since, (k["last"] - since) // iv + 1))
        elif i % 100 < down_pct + flaky_pct:
            k["kind"] = "flaky"
            n = max(1, round(outages_per_day * hours / 24))
            lo, hi = t0 + 3600, now - 2 * 3600
            for s in sorted(rnd.randint(lo, hi) for _ in range(n)):
                s += (k["ph"] - s) % iv
                if k["streaks"] and s <= k["streaks"][-1][0] + (k["streaks"][-1][1] + 1) * iv:
                    continue  # overlaps the previous outage or its recovery run
                k["streaks"].append((s, rnd.randint(1, 30)))
        K.append(k)
    con.executemany(
        "INSERT INTO keys(id, key, target, module, labels, first_ms, last_ms) VALUES(?, ?, ?, ?, ?, ?, ?)",
        ((k["row"], k["id"], k["target"], k["module"], '[["vantage","bench"]]',
          k["first"] * 1000 + k["ms"], k["last"] * 1000 + k["ms"]) for k in K))

    def text(k, which, field):
        s = smp[k["module"]][which]
        return s[field].replace(s["addr"], k["host"])

    # Failures per bucket of each key with streaks: {res: {start: fails}}.
    for k in K:
        k["fails"] = {600: {}, 3600: {}}
        for s, n in k["streaks"]:
            e = s + (n - 1) * iv
            for res, d in k["fails"].items():
                for b in range(s // res, e // res + 1):
                    c = count_in(max(s, b * res), min(e, b * res + res - 1), k["ph"], iv)
                    if c:
                        d[b * res] = d.get(b * res, 0) + c
    blobs = {}
    fail_b = lat_bucket(timeout)

    def agg_rows(start, res):
        lo, hi = max(start, t0), min(start + res - 1, now)
        full = res // iv
        edge = start < t0 or start + res - 1 > now
        for k in K:
            runs = count_in(lo, hi, k["ph"], iv) if edge else full
            if runs == 0:
                continue
            fails = k["fails"][res].get(start, 0) if k["streaks"] else 0
            ok = runs - fails
            jit = 1 + 0.1 * rnd.random()
            base = k["base"] * jit
            dsum = ok * base + fails * timeout
            dmax = timeout if fails else base * 2.5
            lat = None
            if res == 600:
                kb = lat_bucket(base)
                key = (kb, ok, fails)
                lat = blobs.get(key)
                if lat is None:
                    c = [0] * 15
                    hi_n = ok * 15 // 100
                    c[kb] += ok - hi_n
                    c[min(14, kb + 1)] += hi_n
                    c[fail_b] += fails
                    lat = blobs[key] = struct.pack("<15I", *c)
            yield (k["row"], res, start, runs, fails, dsum, dmax, lat)

    # Aggregates in time order, every key's row of a bucket after the other, as maintain()
    # writes them (so the b-tree's pages split as the store's do).
    fine_from = max(t0, now - 48 * 3600)
    steps = [(b, 3600) for b in range((t0 + 3599) // 3600 * 3600, now + 1, 3600)]
    steps += [(b, 600) for b in range((fine_from + 599) // 600 * 600, now + 1, 600)]
    steps.sort()
    agg_sql = "INSERT INTO agg(key, res, start, runs, fails, dur_sum, dur_max, lat) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
    for start, res in steps:
        con.executemany(agg_sql, agg_rows(start, res))

    # Raw runs of the last hour in time order (rowids grow with time: maintain() relies on it).
    by_ph = {}
    for k in K:
        by_ph.setdefault(k["ph"], []).append(k)
    for lst in by_ph.values():
        lst.sort(key=lambda k: k["ms"])

    def failing(k, t):
        for s, n in k["streaks"]:
            if s <= t <= s + (n - 1) * iv:
                return True
        return False

    def raw_rows():
        for t in range(max(t0, now - 3600 + 1), now + 1):
            for k in by_ph.get(t % iv, ()):
                if k["streaks"] and failing(k, t):
                    yield (t * 1000 + k["ms"], k["row"], 0, smp[k["module"]]["fail"]["verdict"],
                           timeout + 0.001 * rnd.random())
                else:
                    yield (t * 1000 + k["ms"], k["row"], 1, None, k["base"] * (1 + 0.1 * rnd.random()))
    if "b" in cols.get("runs", []):  # schema 2: clustered by 10-second slice
        con.executemany("INSERT INTO runs(b, t, key, ok, verdict, dur) VALUES(?, ?, ?, ?, ?, ?)",
                        ((r[0] // 10000,) + r for r in raw_rows()))
    else:
        con.executemany("INSERT INTO runs(t, key, ok, verdict, dur) VALUES(?, ?, ?, ?, ?)", raw_rows())

    # Events in time order, as they happen; state rows.
    ev = []
    for k in K:
        ms = k["ms"]
        if now - k["first"] < retention_s:
            ev.append((k["first"] * 1000 + ms, k["row"], k["first"] * 1000 + ms, 1, 1, 1, "",
                       text(k, "ok", "summary"), text(k, "ok", "evidence")))
        for s, n in k["streaks"]:
            last = s + (n - 1) * iv
            ev.append((s * 1000 + ms, k["row"], last * 1000 + ms, n, 1, 0, smp[k["module"]]["fail"]["verdict"],
                       text(k, "fail", "summary"), text(k, "fail", "evidence")))
            if k["kind"] == "flaky":
                up = last + iv
                ev.append((up * 1000 + ms, k["row"], up * 1000 + ms, 1, 1, 1, "",
                           text(k, "ok", "summary"), text(k, "ok", "evidence")))
    ev.sort()
    if last_summary:
        con.executemany("INSERT INTO events(key, first_ms, last_ms, count, state_change, ok, verdict, summary, "
                        "evidence, last_summary) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        ((e[1], e[0]) + e[2:] + (e[7] if e[3] > 1 else "",) for e in ev))
    else:
        con.executemany("INSERT INTO events(key, first_ms, last_ms, count, state_change, ok, verdict, summary, "
                        "evidence) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", ((e[1], e[0]) + e[2:] for e in ev))
    st = []
    for k in K:
        if k["kind"] == "down":
            s = k["streaks"][-1][0]
            st.append((k["row"], 0, smp[k["module"]]["fail"]["verdict"], s * 1000 + k["ms"], text(k, "fail", "summary")))
        else:
            since = k["first"]
            if k["streaks"]:
                since = k["streaks"][-1][0] + k["streaks"][-1][1] * iv
            st.append((k["row"], 1, "", since * 1000 + k["ms"], text(k, "ok", "summary")))
    con.executemany("INSERT INTO state(key, ok, verdict, since_ms, summary) VALUES(?, ?, ?, ?, ?)", st)
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    flaky = [k for k in K if k["kind"] == "flaky"]
    pick = max(flaky, key=lambda k: len(k["streaks"])) if flaky else K[-1]
    downs = [k for k in K if k["kind"] == "down"]
    rec = {"path": path, "hours": hours, "keys": keys, "seconds": time.monotonic() - t_start,
           "bytes": file_bytes(path), "now": now, "events": len(ev),
           "down": len(downs), "flaky": len(flaky),
           "ids": {"flaky": pick["id"], "down": downs[0]["id"] if downs else None, "up": K[-1]["id"]},
           "flaky_events": 1 + 2 * len(pick["streaks"])}
    json.dump(rec, open(out, "w"))
    print(f'{hours} h of history for {keys} keys ({len(downs)} down, {len(flaky)} flaky, {len(ev)} events) '
          f'in {rec["seconds"]:.0f} s: {rec["bytes"] / 2**20:.1f} MiB')


def dbstat(db, out):
    """Rows and bytes (pages, from the dbstat virtual table) of every table and index."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rec = {"db": db, "file_bytes": file_bytes(db), "tables": {}}
    rec["page_size"] = con.execute("PRAGMA page_size").fetchone()[0]
    rec["page_count"] = con.execute("PRAGMA page_count").fetchone()[0]
    rec["freelist"] = con.execute("PRAGMA freelist_count").fetchone()[0]
    try:
        pg = dict(con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        pl = dict(con.execute("SELECT name, sum(payload) FROM dbstat GROUP BY name"))
    except sqlite3.Error as e:
        pg, pl, rec["dbstat_error"] = {}, {}, str(e)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
    index_of = dict(con.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"))
    order = ["runs", "agg", "events", "keys", "state", "meta"]
    for t in sorted(tables, key=lambda t: order.index(t) if t in order else len(order)):
        rows = con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        rec["tables"][t] = {"rows": rows, "bytes": pg.get(t), "payload": pl.get(t),
                            "index_bytes": sum(pg.get(i, 0) for i, tb in index_of.items() if tb == t)}
    rec["agg_fine"] = con.execute("SELECT count(*) FROM agg WHERE res = 600").fetchone()[0]
    rec["agg_hour"] = con.execute("SELECT count(*) FROM agg WHERE res = 3600").fetchone()[0]
    rec["evidence_bytes"] = con.execute("SELECT coalesce(sum(length(evidence)), 0) FROM events").fetchone()[0]
    rec["other"] = {n: b for n, b in pg.items() if n not in tables and n not in index_of}
    json.dump(rec, open(out, "w"))


# ---- pages -----------------------------------------------------------------------------
def targets(url, q=""):
    return json.loads(get(url + "/api/v1/targets" + q, 120)[1])


def wait_restored(url, keys, down, seconds):
    """Until the board shows the stored states: no key unknown, the stored down keys down."""
    deadline = time.monotonic() + float(seconds)
    s = None
    while time.monotonic() < deadline:
        try:
            s = targets(url, "?per_page=1")["summary"]
            if s.get("unknown") == 0 and s.get("down") == down and s.get("up") == keys - down:
                print(f'{s["up"]} up, {s["down"]} down, {s["unknown"]} unknown')
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    print(f"board not restored after {seconds} s: {s} (want {keys - down} up, {down} down)")
    sys.exit(1)


def curl(url):
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}",
                        "--max-time", "60", url], capture_output=True, text=True)
    p = r.stdout.split()
    if r.returncode != 0 or len(p) != 3:
        return {"error": (r.stderr or r.stdout).strip()[:200]}
    return {"code": int(p[0]), "bytes": int(p[1]), "s": float(p[2])}


def check_page(url, path):
    """What the page holds, fetched once more (not timed): that the rows joined the store."""
    try:
        body = get(url + path, 120)[1]
    except OSError as e:
        return f"fetch failed: {e}"
    if path.startswith("/api/v1/targets/") and "/history" in path:
        d = json.loads(body)
        return (f'{len(d["runs"])} runs, {len(d["events"])} events, {len(d["buckets_10m"])} 10-min and '
                f'{len(d["buckets_1h"])} hour buckets')
    if path.startswith("/api/v1/targets/"):
        d = json.loads(body)
        return f'{len(d.get("events", []))} events, {len(d.get("runs", []))} runs, 7d {d.get("availability", {}).get("7d")}'
    if path.startswith("/api/v1/targets"):
        d = json.loads(body)
        t = d["targets"]
        w7 = sum(1 for r in t if r["availability"]["7d"] is not None)
        w24 = sum(1 for r in t if r["availability"]["24h"] is not None)
        p50 = sum(1 for r in t if r["duration_seconds_24h"]["p50"] is not None)
        return f'{len(t)} rows of {d["total"]}; with 7d {w7}, 24h {w24}, p50 {p50}'
    text = body.decode("utf-8", "replace")
    if path.startswith("/status/"):
        events = len(re.findall(r'<tr[^>]*class="event', text))
        charts = len(re.findall(r'<svg[^>]*class="chart', text))
        return f"{events} events, {charts} charts"
    m = re.search(r'<p id="matched">(.*?)</p>', text)
    keyrows = len(re.findall(r'<tr[^>]*class="key', text))
    return f'{keyrows} rows; {m.group(1) if m else "no p#matched"}'


def time_pages(name, url, ids_file, n, gap, out):
    ids = json.load(open(ids_file))["ids"]
    f = ids["flaky"]
    pages = [("/status", True), ("/status?state=down", True), ("/api/v1/targets", True),
             ("/api/v1/targets?per_page=1000", True), (f"/status/{f}", True),
             (f"/api/v1/targets/{f}/history", True), (f"/api/v1/targets/{f}", False),
             ("/status?per_page=1000", False),
             (f"/api/v1/targets/{f}/history?from={int(time.time()) - 7 * 86400}", False)]
    res = {p: [] for p, _ in pages}
    t0 = time.monotonic()
    for r in range(n):
        for p, _ in pages:
            res[p].append(curl(url + p))
        if r + 1 < n:
            time.sleep(gap)
    span = time.monotonic() - t0
    rec = {"name": name, "span": span, "pages": []}
    for p, goal in pages:
        ok = [x for x in res[p] if "s" in x and x["code"] == 200]
        t = sorted(x["s"] for x in ok)
        rec["pages"].append({
            "path": p.replace(f, "ID") if "from=" not in p else f"/api/v1/targets/ID/history?from=now-7d",
            "goal": goal, "n": len(res[p]), "ok": len(ok),
            "median": statistics.median(t) if t else None, "max": t[-1] if t else None,
            "bytes": ok[0]["bytes"] if ok else None,
            "bad": [x for x in res[p] if x not in ok][:2], "content": check_page(url, p)})
    json.dump(rec, open(out, "w"))


# ---- report ----------------------------------------------------------------------------
def verdict(ok):
    return "n/a" if ok is None else ("meets" if ok else "MISSES")


def pct(ticks, wall):
    return None if ticks is None or not wall else 100.0 * ticks / CLK_TCK / wall


def report(keys, interval, retention_days, files):
    recs = load(files)
    rows = []  # (figure, measured, goal, verdict)
    gen = {r["hours"]: r for r in recs if "hours" in r}
    stats = {r["db"]: r for r in recs if "tables" in r}
    writes = [r for r in recs if "worker_tid" in r]
    pages = [r for r in recs if "pages" in r]

    # (b) -------------------------------------------------------------------------------
    for w in writes:
        print()
        print(f'== write: serve, {keys} keys every {interval} s, store {w["name"]} ({w["db"]}), '
              f'{w["wall"]:.0f} s window')
        if w.get("error"):
            print(f'  NOTE: {w["error"]}')
        if not w.get("worker"):
            print(f'  the rp-history thread was not found (tid {w["worker_tid"]})')
            continue
        wk, wall = w["worker"], w["wall"]
        wp = pct(wk["utime"] + wk["stime"], wall)
        sp = None if wk["sched_ns"] is None else 100 * wk["sched_ns"] / 1e9 / wall
        runs = w["m1"]["probe_runs_total"] - w["m0"]["probe_runs_total"]
        print(f'  rp-history thread: {fmt(wp, ".2f")} % of one core (utime+stime: user '
              f'{wk["utime"] / CLK_TCK:.2f} s, sys {wk["stime"] / CLK_TCK:.2f} s; schedstat on-CPU '
              f'{fmt(sp, ".2f")} %)')
        print(f'  runs finished in the window {runs:.0f} ({runs / wall:.0f}/s; keys/interval = '
              f'{keys / interval:.0f}/s); worker CPU per run {fmt(None if not runs else (wk["utime"] + wk["stime"]) / CLK_TCK / runs * 1e6, ".1f")} us; '
              f'dropped runs {w["m1"]["reachprobe_storage_runs_dropped_total"] - w["m0"]["reachprobe_storage_runs_dropped_total"]:.0f}, '
              f'storage errors {w["m1"]["reachprobe_storage_errors_total"]:.0f}, skipped runs '
              f'{w["m1"]["probe_runs_skipped_total"] - w["m0"]["probe_runs_skipped_total"]:.0f}')
        tot = w["proc_ticks"]
        print(f'  process CPU {fmt(pct(tot, wall), ".2f")} % of one core (/proc/PID/stat); '
              'by thread name: ' + ", ".join(
                  f'{c} x{n} {pct(u + s, wall):.2f} %' for c, (u, s, n) in
                  sorted(w["by_comm"].items(), key=lambda x: -(x[1][0] + x[1][1]))))
        wi, pi = w["worker_io"], w["proc_io"]
        print(f'  worker I/O: {wi.get("syscw", 0) / wall:.1f} write calls/s, {wi.get("wchar", 0) / wall / 1024:.0f} KiB/s '
              f'written to files, {wi.get("write_bytes", 0) / wall / 1024:.0f} KiB/s reaching the block layer '
              f'(process: {pi.get("write_bytes", 0) / wall / 1024:.0f} KiB/s); {wi.get("syscr", 0) / wall:.1f} read calls/s')
        if w["size0"] is not None:
            grow = w["size1"] - w["size0"]
            print(f'  store file (db + wal): {w["size0"] / 2**20:.1f} -> {w["size1"] / 2**20:.1f} MiB '
                  f'({grow / max(runs, 1):.1f} B per run finished); wal up to {w["wal_max"] / 2**20:.1f} MiB')
        print(f'  machine busy {w["machine_busy_s"] / wall * 100:.0f} % of one core in all; RSS max '
              f'{w["rss_max_kb"] / 1024:.0f} MiB')
        rows.append((f'(b) rp-history CPU, store {w["name"]}', f'{fmt(wp, ".2f")} %', "<= 2 % of a core",
                     verdict(None if wp is None else wp <= GOALS["worker_pct"]) if w["db"] != ":memory:" else "(info)"))
        rows.append((f'(b) process CPU, store {w["name"]}', f'{fmt(pct(tot, wall), ".2f")} %', "-", "(info)"))

    # (c) -------------------------------------------------------------------------------
    def table_dump(s):
        print(f'  {"table":<8}{"rows":>12}{"MiB":>10}{"index MiB":>11}{"B/row":>9}{"payload B/row":>15}')
        for t, v in s["tables"].items():
            if v["bytes"] is None:
                continue
            b = v["bytes"] + v["index_bytes"]
            print(f'  {t:<8}{v["rows"]:>12}{v["bytes"] / 2**20:>10.1f}{v["index_bytes"] / 2**20:>11.1f}'
                  f'{(b / v["rows"] if v["rows"] else 0):>9.1f}{((v["payload"] or 0) / v["rows"] if v["rows"] else 0):>15.1f}')
        print(f'  file {s["file_bytes"] / 2**20:.1f} MiB, page {s["page_size"]} B x {s["page_count"]}, '
              f'{s["freelist"]} free pages; agg rows: {s["agg_fine"]} 10-minute, {s["agg_hour"]} hour; '
              f'evidence JSON {s["evidence_bytes"] / 2**20:.1f} MiB in {s["tables"]["events"]["rows"]} events'
              + (f'; dbstat: {s["dbstat_error"]}' if s.get("dbstat_error") else ""))

    full = gen.get(retention_days * 24)
    if full:
        print()
        print(f'== disk: synthetic full-retention store ({retention_days} d of hour rows, 48 h of 10-minute rows, '
              f'1 h of raw runs, {full["events"]} events; {full["down"]} keys down, {full["flaky"]} flaky), '
              f'made in {full["seconds"]:.0f} s')
        if full["path"] in stats:
            table_dump(stats[full["path"]])
        rows.append((f'(c) synthetic {retention_days} d store, file size', f'{full["bytes"] / GIB:.3f} GiB',
                     "<= 1 GiB", verdict(full["bytes"] <= GOALS["disk_bytes"])))
    for w in writes:
        s = stats.get(w["db"])
        if not s or w["name"] != "empty":
            continue
        print()
        print(f'== disk: the empty store after the write run ({w["wall"]:.0f} s window + warm-up), '
              'bytes per row, and the 30-day size they give')
        table_dump(s)
        T = s["tables"]

        def per(t):
            v = T[t]
            return None if not v["rows"] or v["bytes"] is None else (v["bytes"] + v["index_bytes"]) / v["rows"]
        b_runs, b_agg, b_ev, b_keys, b_state = per("runs"), per("agg"), per("events"), per("keys"), per("state")
        if None in (b_runs, b_agg, b_keys, b_state):
            print("  (too few rows to extrapolate)")
            continue
        n_agg = T["agg"]["rows"]
        # agg holds both kinds of rows; a 10-minute row carries the 60-byte latency blob more.
        b_hour = b_agg - 61 * s["agg_fine"] / n_agg
        b_fine = b_hour + 61
        n_raw = keys * 3600 // interval
        n_fine = keys * 48 * 6
        n_hour = keys * 24 * retention_days
        n_ev = full["events"] if full else keys
        b_ev = b_ev if b_ev is not None else 0
        est = n_raw * b_runs + n_fine * b_fine + n_hour * b_hour + n_ev * b_ev + keys * (b_keys + b_state)
        print(f'  30 d at {keys} keys every {interval} s: raw {n_raw} x {b_runs:.1f} B = {n_raw * b_runs / 2**20:.0f} MiB; '
              f'10-minute {n_fine} x {b_fine:.1f} B = {n_fine * b_fine / 2**20:.0f} MiB; hour {n_hour} x {b_hour:.1f} B = '
              f'{n_hour * b_hour / 2**20:.0f} MiB; events {n_ev} (as the synthetic store has them) x {b_ev:.0f} B = '
              f'{n_ev * b_ev / 2**20:.0f} MiB; keys + state {keys * (b_keys + b_state) / 2**20:.1f} MiB')
        rows.append((f'(c) {retention_days} d size from the empty run\'s bytes/row', f'{est / GIB:.3f} GiB', "<= 1 GiB",
                     verdict(est <= GOALS["disk_bytes"])))
        if w["size0"] is not None and w["m1"]["probe_runs_total"] > w["m0"]["probe_runs_total"]:
            runs = w["m1"]["probe_runs_total"] - w["m0"]["probe_runs_total"]
            g = (w["size1"] - w["size0"]) / runs
            print(f'  file growth in the window: {g:.1f} B per run finished (all tables; raw rows are '
                  f'dropped after 1 h, so this is not a 30-day rate)')
    for w in writes:
        s = stats.get(w["db"])
        if s and w["name"] == "full":
            print()
            print(f'== disk: the full store after its write run (steady state: old raw runs dropped as new ones come)')
            table_dump(s)
            rows.append((f'(c) {retention_days} d store after the full write run', f'{s["file_bytes"] / GIB:.3f} GiB',
                         "<= 1 GiB", verdict(s["file_bytes"] <= GOALS["disk_bytes"])))

    # (a) -------------------------------------------------------------------------------
    for p in pages:
        g = gen.get(168)
        print()
        print(f'== pages: {p["name"]}; 7 d synthetic store'
              + (f' ({g["bytes"] / 2**20:.0f} MiB, {g["events"]} events, made in {g["seconds"]:.0f} s)' if g else "")
              + f'; {p["pages"][0]["n"]} GETs per page over {p["span"]:.0f} s; key ID = a flaky key')
        if p.get("restored"):
            print(f'  board restored {p["restored"]}')
        print(f'  {"page":<44}{"median s":>10}{"max s":>9}{"bytes":>10}  content')
        for x in p["pages"]:
            print(f'  {x["path"]:<44}{fmt(x["median"], ".3f"):>10}{fmt(x["max"], ".3f"):>9}'
                  f'{fmt(x["bytes"], "d"):>10}  {x["content"]}'
                  + (f'  ({x["n"] - x["ok"]} failed: {x["bad"]})' if x["ok"] < x["n"] else ""))
            ok = None if x["max"] is None or x["ok"] < x["n"] else x["max"] <= GOALS["page_s"]
            rows.append((f'(a) {x["path"]} max [{p["name"]}]',
                         f'{fmt(x["max"], ".3f")} s (median {fmt(x["median"], ".3f")})',
                         "<= 0.200 s", verdict(ok) if x["goal"] else "(info)"))

    header(f'{"figure":<66}{"measured":>26}  {"goal":<18}verdict')
    for f, m, g, v in rows:
        print(f'{f:<66}{m:>26}  {g:<18}{v}')


if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "gen_config":
        gen_config(int(a[0]), int(a[1]), int(a[2]), a[3])
    elif cmd == "gen_nft":
        gen_nft(int(a[0]), int(a[1]), a[2])
    elif cmd == "ready":
        ready(a[0], a[1])
    elif cmd == "wait_keys":
        wait_keys(a[0], a[1], a[2])
    elif cmd == "worker_tid":
        print(worker_tid(int(a[0])) or "")
    elif cmd == "measure_write":
        measure_write(a[0], a[1], int(a[2]), float(a[3]), a[4], a[5])
    elif cmd == "samples":
        samples(a[0], a[1])
    elif cmd == "gen_store":
        gen_store(a[0], int(a[1]), int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6]), int(a[7]),
                  int(a[8]), a[9], a[10], a[11])
    elif cmd == "dbstat":
        dbstat(a[0], a[1])
    elif cmd == "wait_restored":
        wait_restored(a[0], int(a[1]), int(a[2]), a[3])
    elif cmd == "time_pages":
        time_pages(a[0], a[1], a[2], int(a[3]), float(a[4]), a[5])
    elif cmd == "report":
        report(int(a[0]), int(a[1]), int(a[2]), a[3:])
PY

lab_start_listener "$ns_t"
lab_verify_listener "$ns_p"
# 198.19.0.100 is address 99, never in the black hole (DOWN_PCT <= 50).
in_p ping -c 1 -W 2 198.19.0.100 >/dev/null 2>&1 || die "lab: no ICMP echo reply from 198.19.0.100"
down_keys=$("$python" "$work/helper.py" gen_nft "$keys" "$down_pct" "$work/blackhole.nft")
ip netns exec "$ns_t" nft -f "$work/blackhole.nft" || die "nft: cannot load the blackhole table"
! in_p ping -c 1 -W 1 198.19.255.254 >/dev/null 2>&1 || die "lab: 198.19.255.254 still answers with the blackhole loaded"

echo "history_bench: the history store of reachprobe serve (issue 12, acceptance item 5)"
echo "  lab $ns_p (198.18.0.1, serve on its 127.0.0.1:$rp_port) -> $ns_t (198.19.0.0/16 AnyIP via 198.18.0.2: ICMP echo, TCP/22 listener)"
echo "  $(host_summary), $("$reachprobe" version 2>&1 | head -n 1), SQLite $("$python" -c 'import sqlite3; print(sqlite3.sqlite_version)') (python3's)"
echo "  load average before: $(loadavg) (other work on the machine skews the figures)"
echo "  KEYS=$keys (half icmp, half tcp_connect) INTERVAL=${interval}s TIMEOUT=${timeout_s}s DOWN_PCT=$down_pct ($down_keys keys black-holed) FLAKY_PCT=$flaky_pct OUTAGES_PER_DAY=$outages RETENTION_DAYS=$retention_days"
echo "  PHASES: $phases; WRITE_STORES: $write_stores; DURATION=${duration}s WARMUP=${warmup}s; REQUESTS=$requests every ${request_gap}s; PAGE_INTERVALS: $page_intervals; PERF_SECONDS=$perf_seconds"

serve_pid=""
# run_serve NAME CONFIG STORE : starts serve in the prober namespace and waits until it
# schedules the config's keys. Not through in_p: $! must be reachprobe itself.
run_serve() {
  local name=$1 config=$2 store=$3 want=$4
  ip netns exec "$ns_p" "$reachprobe" serve --config.file "$config" --web.listen-address "127.0.0.1:$rp_port" \
    --storage.path="$store" --storage.retention="${retention_days}d" >"$work/rp.$name.log" 2>&1 </dev/null &
  serve_pid=$!
  sys_pids=("$serve_pid")
  serve_started=$EPOCHREALTIME
  local r
  r=$(in_p "$python" "$work/helper.py" ready "http://127.0.0.1:$rp_port/-/healthy" 60 2>&1) ||
    die "$name: reachprobe serve did not start: $r; log: $(tail -c 1500 "$work/rp.$name.log")"
  [[ $(readlink "/proc/$serve_pid/exe") == "$reachprobe"* ]] || die "pid $serve_pid is not reachprobe"
  r=$(in_p "$python" "$work/helper.py" wait_keys "http://127.0.0.1:$rp_port" "$want" 60 2>&1) ||
    echo "  $name: note: $r" >&2
}

# log_summary NAME : what serve logged (the store's problems would show here).
log_summary() {
  local log=$work/rp.$1.log lines
  lines=$(wc -l <"$log")
  ((lines == 0)) && return 0
  echo "  $1: reachprobe logged $lines line(s), most frequent first (digits folded):"
  sed -E 's/[0-9]+/N/g' "$log" | cut -c1-200 | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/    /'
}

cfg_for() { # INTERVAL : the config of the KEYS keys at that interval (made once)
  local cfg=$work/reachprobe-$1.yml
  if [[ ! -f $cfg ]]; then
    "$python" "$work/helper.py" gen_config "$keys" "$1" "$timeout_s" "$cfg"
    "$reachprobe" validate --config.file "$cfg" >"$work/validate.log" 2>&1 ||
      die "reachprobe rejects the config: $(head -c 1000 "$work/validate.log")"
  fi
  echo "$cfg"
}

records=()
# The synthetic stores carry real sentences and evidence: those of a short serve run on four
# keys (icmp and tcp_connect, on an answering and on a black-holed address), the four runs'
# first-run state changes.
samples_made=0
make_samples() {
  ((samples_made)) && return 0
  "$python" "$work/helper.py" gen_config 0 "$interval" "$timeout_s" "$work/samples.yml"
  run_serve samples "$work/samples.yml" "$work/samples.db" 4
  sleep $((interval + timeout_s + 3))
  stop_system
  local r
  r=$("$python" "$work/helper.py" samples "$work/samples.db" "$work/samples.json" 2>&1) ||
    die "no evidence samples: $r; log: $(tail -c 1000 "$work/rp.samples.log")"
  echo "  samples: $r"
  samples_made=1
}

full_made=0
make_full_store() {
  ((full_made)) && return 0
  make_samples
  echo "  disk: making the synthetic ${retention_days}-day store..."
  echo "  disk: $("$python" "$work/helper.py" gen_store "$work/full.db" "$keys" "$interval" $((retention_days * 24)) \
    "$down_pct" "$flaky_pct" "$outages" "$timeout_s" "$retention_days" "$work/samples.json" "$work/samples.db" \
    "$work/gen-full.json")"
  "$python" "$work/helper.py" dbstat "$work/full.db" "$work/stat-full.json"
  records+=("$work/gen-full.json" "$work/stat-full.json")
  full_made=1
}

perf_report=""
run_write() { # full|empty|memory
  local name=$1 store cfg
  cfg=$(cfg_for "$interval")
  case $name in
  full)
    make_full_store
    store=$work/write-full.db
    cp -- "$work/full.db" "$store"
    ;;
  empty) store=$work/write-empty.db ;;
  memory) store=:memory: ;;
  esac
  run_serve "write-$name" "$cfg" "$store" "$keys"
  echo "  write $name: reachprobe pid $serve_pid, $keys keys; warm-up ${warmup}s, then a ${duration}s window"
  sleep "$warmup"
  in_p "$python" "$work/helper.py" measure_write "$name" "http://127.0.0.1:$rp_port" "$serve_pid" "$duration" \
    "$store" "$work/write-$name.json" || echo "  write $name: measurement failed (exit $?)"
  [[ -s $work/write-$name.json ]] && records+=("$work/write-$name.json")
  if [[ $name == full ]] && ((want_perf)); then
    local tid
    tid=$("$python" "$work/helper.py" worker_tid "$serve_pid")
    if [[ -n $tid ]]; then
      echo "  write $name: perf record on the rp-history thread (tid $tid) for ${perf_seconds}s, after the window"
      # cpu-clock: a software event, there on a VM without hardware counters. DWARF call
      # graphs: the Debian libsqlite3 has no frame pointers, and its time is attributed to
      # reachprobe's callers through them.
      if perf record -q -e cpu-clock -F 999 --call-graph dwarf,16384 -t "$tid" -o "$work/perf.data" \
        -- sleep "$perf_seconds" >"$work/perf.log" 2>&1; then
        perf_report=$work/perf.txt
        {
          echo "  self time by library and symbol (>= 1 %):"
          perf report -i "$work/perf.data" --stdio --no-children --sort dso,sym -g none --percent-limit 1 2>/dev/null |
            grep -v '^#' | grep -v '^$' | cut -c1-150 | head -n 30 | sed 's/^/  /'
          echo "  time including callees, reachprobe's functions (>= 3 %):"
          perf report -i "$work/perf.data" --stdio --children --sort sym -g none --percent-limit 3 2>/dev/null |
            grep -v '^#' | grep -v '^$' | grep -E 'reachprobe|history|Statement|Store' | cut -c1-170 | head -n 25 | sed 's/^/  /'
        } >"$perf_report"
      else
        echo "  write $name: perf record failed: $(tail -c 500 "$work/perf.log")"
      fi
    fi
  fi
  stop_system
  log_summary "write-$name"
  if [[ $store != :memory: ]]; then
    "$python" "$work/helper.py" dbstat "$store" "$work/stat-write-$name.json"
    records+=("$work/stat-write-$name.json")
    rm -f -- "$store" "$store-wal" "$store-shm" # the next runs need the disk space
  fi
}

run_pages() {
  make_samples
  if [[ ! -f $work/week.db ]]; then
    echo "  pages: making the synthetic 7-day store..."
    echo "  pages: $("$python" "$work/helper.py" gen_store "$work/week.db" "$keys" "$interval" 168 "$down_pct" \
      "$flaky_pct" "$outages" "$timeout_s" "$retention_days" "$work/samples.json" "$work/samples.db" \
      "$work/gen-week.json")"
    records+=("$work/gen-week.json")
  fi
  local i cfg store r restored
  for i in "${page_interval_list[@]}"; do
    cfg=$(cfg_for "$i")
    store=$work/pages-$i.db
    cp -- "$work/week.db" "$store"
    run_serve "pages-$i" "$cfg" "$store" "$keys"
    r=$(in_p "$python" "$work/helper.py" wait_restored "http://127.0.0.1:$rp_port" "$keys" "$down_keys" 120 2>&1) ||
      echo "  pages $i: NOTE: $r"
    restored=$(awk -v a="$serve_started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    echo "  pages, keys every ${i}s: reachprobe pid $serve_pid; board restored ${restored}s after the start ($r)"
    in_p "$python" "$work/helper.py" time_pages "keys every ${i} s" "http://127.0.0.1:$rp_port" "$work/gen-week.json" \
      "$requests" "$request_gap" "$work/pages-$i.json" || echo "  pages $i: measurement failed (exit $?)"
    if [[ -s $work/pages-$i.json ]]; then
      "$python" - "$work/pages-$i.json" "$restored s after the start: $r" <<'PY2'
import json, sys
d = json.load(open(sys.argv[1]))
d["restored"] = sys.argv[2]
json.dump(d, open(sys.argv[1], "w"))
PY2
      records+=("$work/pages-$i.json")
    fi
    stop_system
    log_summary "pages-$i"
    rm -f -- "$store" "$store-wal" "$store-shm"
  done
}

for p in "${phase_list[@]}"; do
  case $p in
  disk) make_full_store ;;
  write) for s in "${write_list[@]}"; do run_write "$s"; done ;;
  memory) run_write memory ;;
  pages) run_pages ;;
  esac
done
echo "  load average after: $(loadavg)"

((${#records[@]} > 0)) || die "nothing was measured"
"$python" "$work/helper.py" report "$keys" "$interval" "$retention_days" "${records[@]}"
if [[ -n $perf_report && -s $perf_report ]]; then
  echo
  echo "== perf: the rp-history thread of the full write run, ${perf_seconds}s after its window"
  cat "$perf_report"
fi
cat <<'EOF2'

(a) each page GET with curl (time_total) inside the prober namespace, REQUESTS rounds REQUEST_GAP s
apart, after the board showed the stored states; "meets" is judged on the slowest GET. (b) CPU:
utime+stime of /proc/PID/task/TID/stat of the thread named rp-history (10 ms ticks) over the
window, divided by its wall time: 100 % is one core; the process figure from /proc/PID/stat.
(c) sizes: the main file plus its -wal; per table from SQLite's dbstat (pages of the table and
of its indexes); the synthetic store is made by this script in the store's schema. "machine busy"
much above the process's CPU means other work skewed the run.
EOF2
