#!/usr/bin/env bash
# ssh_check_bench.sh - client CPU and wall per full SSH check (banner -> exec), reachprobe
# beside OpenSSH's own client.
#
# Builds a two-namespace lab (a client and a server joined by a veth) with a real OpenSSH
# sshd in the server namespace, then runs N full SSH checks (key login as root, command
# `true`) four ways:
#   reachprobe  sequential  N x `reachprobe check ... ssh://root@198.18.0.2`, one after another
#   reachprobe  concurrent  one `reachprobe check` process given the same target N times
#   ssh         sequential  N x `ssh -o BatchMode=yes ... root@198.18.0.2 true`, one after another
#   ssh         concurrent  N `ssh ... true` processes started at once
# and prints wall time, client CPU (user+sys of the measured processes), peak RSS, successes
# and the sshd CPU per check, plus the reachprobe/ssh ratios of client CPU per check.
# A benchmark, not a test: no pass/fail.
#
# usage: sudo bench/ssh_check_bench.sh [REACHPROBE_BINARY]
# env:   REACHPROBE   binary (default: build/reachprobe under the repository root)
#        N            checks per run (default 100; 1..1000)
#        REPEAT       runs per measurement, the fastest is kept (default 1)
#        RUN_TIMEOUT  seconds before a run's processes are killed (default 120)
#        SSH_OPTS     extra options for the measured ssh, e.g. "-o KexAlgorithms=curve25519-sha256"
#        SERVER_HOME  "empty" (default): sshd sees an empty tmpfs /root, so root's session shell
#                     runs no dotfiles; "real": the machine's /root (its ~/.bashrc runs per check)
#
# Traffic stays inside the lab namespaces and inside 198.18.0.0/15 (RFC 2544 benchmarking
# space). The machine's own sshd, /etc and /run are not touched: the lab's sshd runs in a
# private mount namespace with its own /run (for /run/sshd) and, by default, an empty /root,
# and reads only the config, host key and authorized key generated in a temporary directory. Everything it creates (two
# namespaces, the sshd and its children, the temporary directory) is removed on exit,
# including on failure or Ctrl-C.
set -euo pipefail
export LC_ALL=C # the tools' number formats use '.' as decimal point

bench_name=ssh_check_bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh" # skip, die, checks, the lab, clean-up

reachprobe=${1:-${REACHPROBE:-$repo_root/build/reachprobe}}
n=${N:-100}
repeat=${REPEAT:-1}
run_timeout=${RUN_TIMEOUT:-120}
server_home=${SERVER_HOME:-empty}
read -r -a ssh_opts <<<"${SSH_OPTS:-}"
sshd_bin=/usr/sbin/sshd # sshd re-executes itself: an absolute path is required
server=198.18.0.2 # the server side of the lab's veth (lab_link)
rp_timeout=10s

# ---- prerequisites: anything missing is a skip, not a failure -------------------------
require_root
require_tools ip ssh ssh-keygen unshare mount python3 awk
[[ -x $sshd_bin ]] || skip "$sshd_bin not found (install openssh-server; its own service need not run)"
require_reachprobe
check_range N "$n" 1000
check_positive REPEAT "$repeat"
check_positive RUN_TIMEOUT "$run_timeout"
[[ $server_home == empty || $server_home == real ]] || die "SERVER_HOME must be 'empty' or 'real', got '$server_home'"
find_python
ssh_bin=$(command -v ssh)

# ---- lab -----------------------------------------------------------------------------
# client rpsb<pid>-p (198.18.0.1) -> server rpsb<pid>-t ($server, the lab's sshd). The
# clean-up TERMs sshd, then anything left in the namespaces (sshd's per-connection
# children, clients of a run cut short by a signal).
ns_p="rpsb$$-p"
ns_t="rpsb$$-t"
sshd_pid=""
lab_begin rpsb "$ns_p" "$ns_t"
lab_link "$ns_p" veth-p "$ns_t" veth-t

# Keys and config, all generated for this run.
ssh-keygen -q -t ed25519 -N '' -C "rpsb-host" -f "$work/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C "rpsb-client" -f "$work/client_ed25519"
key="$work/client_ed25519"
known_hosts="$work/known_hosts"
printf '%s %s\n' "$server" "$(cut -d' ' -f1-2 "$work/ssh_host_ed25519_key.pub")" >"$known_hosts"
cat >"$work/sshd_config" <<EOF
# reachprobe ssh_check_bench lab sshd (generated; not the machine's sshd)
ListenAddress $server
Port 22
HostKey $work/ssh_host_ed25519_key
PidFile $work/sshd.pid
PermitRootLogin yes
UsePAM no
StrictModes no
AuthorizedKeysFile $key.pub
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxStartups 200
MaxSessions 200
PrintMotd no
PrintLastLog no
PermitUserRC no
UseDNS no
LogLevel INFO
EOF
"$sshd_bin" -t -f "$work/sshd_config" 2>"$work/sshd_t.log" || die "sshd rejects the lab config: $(cat "$work/sshd_t.log")"

# sshd needs /run/sshd (its privilege separation directory). It gets a private mount
# namespace with a fresh tmpfs /run, so the machine's /run is left as it is. Root's session
# shell (bash, started by sshd) would source ~/.bashrc for every check: an empty tmpfs over
# /root in the same namespace keeps this machine's dotfiles (pyenv init etc.) out of the
# figures, unless SERVER_HOME=real. `ip netns exec`, `unshare` (without --fork) and
# `sh -c '... exec'` all exec, so $! is sshd itself.
hide_home=""
[[ $server_home == empty ]] && hide_home="mount -t tmpfs -o mode=0700 tmpfs /root && "
ip netns exec "$ns_t" unshare --mount --propagation private sh -c \
  "mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -m 0755 /run/sshd && $hide_home exec $sshd_bin -D -e -f $work/sshd_config" \
  >"$work/sshd.log" 2>&1 &
sshd_pid=$!
lab_pids+=("$sshd_pid")

cat >"$work/helper.py" <<'PY'
"""Helpers for ssh_check_bench.sh: wait for sshd, run and time clients, the report."""
import json, os, signal, socket, sys, time

from benchlib import fmt, header, load


def wait_port(host, port, pid, seconds):
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            print("sshd exited")
            return
        try:
            with socket.create_connection((host, int(port)), timeout=1) as c:
                c.settimeout(2)
                if c.recv(64).startswith(b"SSH-"):
                    print("ok")
                    return
        except OSError:
            pass
        time.sleep(0.05)
    print("no SSH banner")


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        if int(s[s.rindex(")") + 2:].split()[1]) == pid:
            out.append(int(d))
    return out


def sshd_cpu(pid):
    """Seconds of CPU of sshd and every child it has reaped (utime+stime+cutime+cstime),
    after its per-connection children have all exited (up to 10 s)."""
    end = time.monotonic() + 10
    while children(pid) and time.monotonic() < end:
        time.sleep(0.02)
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    v = s[s.rindex(")") + 2:].split()
    return sum(int(x) for x in v[11:15]) / os.sysconf("SC_CLK_TCK")


def busy_cpu():
    """Seconds of CPU the whole machine spent outside idle and iowait (host-wide)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def self_cpu():
    t = os.times()
    return t.user + t.system


def run(mode, n, outdir, timeout, sshd_pid, argv):
    """mode seq: n runs of argv one after another; conc: n at once; one: argv once.
    Each client's CPU and peak RSS come from wait4(), so only the clients are counted."""
    n, timeout, sshd_pid = int(n), int(timeout), int(sshd_pid)
    count = 1 if mode == "one" else n
    procs = {}
    killed = []

    def on_alarm(signum, frame):
        killed.append(True)
        for p in list(procs):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(timeout)

    def spawn(i):
        fa = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, f"{outdir}/{i}.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
            (os.POSIX_SPAWN_OPEN, 2, f"{outdir}/{i}.err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        ]
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=fa)
        procs[pid] = i
        return pid

    runs = [None] * count
    srv0 = sshd_cpu(sshd_pid)
    busy0, self0 = busy_cpu(), self_cpu()
    t0 = time.perf_counter()
    if mode == "conc":
        for i in range(count):
            spawn(i)
        while procs:
            pid, status, ru = os.wait4(-1, 0)
            i = procs.pop(pid)
            runs[i] = (status, ru, None)
    else:
        for i in range(count):
            if killed:
                break
            s = time.perf_counter()
            pid = spawn(i)
            _, status, ru = os.wait4(pid, 0)
            procs.pop(pid)
            runs[i] = (status, ru, time.perf_counter() - s)
    wall = time.perf_counter() - t0
    signal.alarm(0)
    srv1 = sshd_cpu(sshd_pid)
    busy1, self1 = busy_cpu(), self_cpu()
    rec = {"mode": mode, "n": n, "wall": wall, "killed": bool(killed), "runs": [],
           "sshd_cpu": srv1 - srv0, "busy_cpu": busy1 - busy0, "harness_cpu": self1 - self0}
    for i, r in enumerate(runs):
        if r is None:
            rec["runs"].append({"i": i, "rc": None})
            continue
        status, ru, w = r
        rec["runs"].append({
            "i": i,
            "rc": os.waitstatus_to_exitcode(status),
            "cpu": ru.ru_utime + ru.ru_stime,
            "user": ru.ru_utime,
            "sys": ru.ru_stime,
            "rss_kb": ru.ru_maxrss,
            "wall": w,
        })
    with open(f"{outdir}/run.json", "w") as f:
        json.dump(rec, f)


def summarize(tool, mode, outdir, dst):
    with open(f"{outdir}/run.json") as f:
        rec = json.load(f)
    runs = [r for r in rec["runs"] if r.get("rc") is not None]
    out = {
        "tool": tool, "mode": mode, "n": rec["n"], "wall": rec["wall"], "killed": rec["killed"],
        "processes": len(runs),
        "cpu": sum(r["cpu"] for r in runs),
        "user": sum(r["user"] for r in runs),
        "sys": sum(r["sys"] for r in runs),
        "rss_kb": max((r["rss_kb"] for r in runs), default=None),
        "rss_sum_kb": sum(r["rss_kb"] for r in runs),
        "sshd_cpu": rec["sshd_cpu"],
        "busy_cpu": rec["busy_cpu"],
        "harness_cpu": rec["harness_cpu"],
        "rcs": {},
        "verdicts": {},
        "samples": [],
        "errors": [],
    }
    for r in rec["runs"]:
        key = str(r.get("rc"))
        out["rcs"][key] = out["rcs"].get(key, 0) + 1
    walls = sorted(r["wall"] for r in runs if r.get("wall") is not None)
    if walls:
        out["wall_median"] = walls[len(walls) // 2]
        out["wall_max"] = walls[-1]
    if tool == "ssh":
        out["success"] = sum(1 for r in runs if r["rc"] == 0)
        for r in runs:
            if r["rc"] != 0 and len(out["errors"]) < 3:
                with open(f'{outdir}/{r["i"]}.err', errors="replace") as f:
                    out["errors"].append(f'exit {r["rc"]}: {f.read().strip()[:300]}')
        with open(dst, "w") as f:
            json.dump(out, f)
        return
    success = results = 0
    failures = []
    for r in rec["runs"]:
        try:
            with open(f'{outdir}/{r["i"]}.out') as f:
                doc = json.load(f)["results"]
        except (OSError, ValueError, KeyError) as e:
            if len(out["errors"]) < 3:
                try:
                    with open(f'{outdir}/{r["i"]}.err', errors="replace") as f:
                        err = f.read().strip()[:300]
                except OSError:
                    err = ""
                out["errors"].append(f'run {r["i"]}: exit {r.get("rc")}: output not parsed '
                                     f'({type(e).__name__}: {e}) {err}')
            continue
        for res in doc:
            results += 1
            if res.get("success"):
                success += 1
            else:
                v = res.get("verdict") or {}
                k = f'{v.get("layer")}/{v.get("reason")}'
                out["verdicts"][k] = out["verdicts"].get(k, 0) + 1
                failures.append(res)
            if "layers_example" not in out:
                out["layers_example"] = [
                    {k: l[k] for k in l if k not in ("detail",)}
                    for l in res.get("layers", []) if l.get("status") != "skipped"
                ]
    out["success"] = success
    out["results"] = results
    picks = failures[:: max(1, len(failures) // 3)][:3] if failures else []
    out["samples"] = [
        {"target": p.get("target"), "duration_seconds": p.get("duration_seconds"),
         "verdict": p.get("verdict"),
         "layers": [{k: l[k] for k in ("layer", "status", "reason", "duration_seconds") if k in l}
                    for l in p.get("layers", []) if l.get("status") != "skipped"]}
        for p in picks
    ]
    with open(dst, "w") as f:
        json.dump(out, f)


def other_cpu(r):
    """CPU the machine spent on anything but the clients, sshd and this harness."""
    return r["busy_cpu"] - r["cpu"] - r["sshd_cpu"] - r["harness_cpu"]


def brief(path):
    with open(path) as f:
        r = json.load(f)
    print(f'{r["wall"]:.6f} {r["cpu"]:.3f} {r["success"]} {other_cpu(r):.2f}')


def report(files):
    recs = load(files)
    header(f'{"tool":<11}{"mode":<11}{"N":>5}{"wall s":>9}{"wall ms/chk":>13}{"CPU ms/chk":>12}'
           f'{"RSS MiB":>9}{"sshd CPU ms/chk":>17}  {"success/N":<10}{"other CPU s":>12}')
    for r in recs:
        n = r["n"]
        rss = r["rss_kb"] / 1024 if r.get("rss_kb") is not None else None
        print(f'{r["tool"]:<11}{r["mode"]:<11}{n:>5}{r["wall"]:>9.3f}{r["wall"] / n * 1000:>13.2f}'
              f'{r["cpu"] / n * 1000:>12.2f}{fmt(rss, ".1f"):>9}{r["sshd_cpu"] / n * 1000:>17.2f}'
              f'  {str(r["success"]) + "/" + str(n):<10}{other_cpu(r):>12.2f}')
    print()
    print("client CPU split (user / sys, ms per check), per-process wall, exit statuses")
    for r in recs:
        n = r["n"]
        extra = ""
        if r.get("wall_median") is not None and r["processes"] > 1:
            extra = f'; per-process wall median {r["wall_median"] * 1000:.1f} ms, max {r["wall_max"] * 1000:.1f} ms'
        if r["tool"] == "ssh" and r["mode"] == "concurrent":
            extra += f'; sum of the {r["processes"]} peak RSS {r["rss_sum_kb"] / 1024:.1f} MiB'
        print(f'  {r["tool"]:<10} {r["mode"]:<10} user {r["user"] / n * 1000:6.2f}  sys {r["sys"] / n * 1000:6.2f}'
              f'  exits {json.dumps(r["rcs"], sort_keys=True)}{extra}')
    print()
    print("ratio reachprobe / ssh, same mode (<1: reachprobe uses less)")
    print(f'{"mode":<11}{"client CPU/chk":>16}{"wall/chk":>10}{"client+sshd CPU/chk":>21}')
    by = {(r["tool"], r["mode"]): r for r in recs}
    for mode in ("sequential", "concurrent"):
        a, b = by.get(("reachprobe", mode)), by.get(("ssh", mode))
        if not a or not b:
            continue

        def ratio(x, y):
            return None if y == 0 else x / y

        c = ratio(a["cpu"] / a["n"], b["cpu"] / b["n"])
        w = ratio(a["wall"] / a["n"], b["wall"] / b["n"])
        t = ratio((a["cpu"] + a["sshd_cpu"]) / a["n"], (b["cpu"] + b["sshd_cpu"]) / b["n"])
        print(f'{mode:<11}{fmt(c, ".2f"):>16}{fmt(w, ".2f"):>10}{fmt(t, ".2f"):>21}')
    for r in recs:
        if r["success"] < r["n"] or r["errors"] or r["killed"]:
            print()
            print(f'{r["tool"]} {r["mode"]}: {r["n"] - r["success"]} of {r["n"]} check(s) did not succeed'
                  + (" (run killed at RUN_TIMEOUT)" if r["killed"] else "")
                  + (f'; verdicts: {json.dumps(r["verdicts"], sort_keys=True)}' if r["verdicts"] else ""))
            for s in r["samples"]:
                print("  " + json.dumps(s, sort_keys=True))
            for e in r["errors"]:
                print("  " + e)
    ex = next((r.get("layers_example") for r in recs if r.get("layers_example")), None)
    if ex:
        print()
        print("reachprobe layers of one check (sequential run, first check):")
        for l in ex:
            print("  " + json.dumps(l, sort_keys=True))


def main():
    cmd = sys.argv[1]
    if cmd == "wait":
        wait_port(*sys.argv[2:])
    elif cmd == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7:])
    elif cmd == "summarize":
        summarize(*sys.argv[2:])
    elif cmd == "brief":
        brief(sys.argv[2])
    elif cmd == "report":
        report(sys.argv[2:])


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C: the script's trap cleans up, no traceback
        sys.exit(130)
PY

ready=$(ip netns exec "$ns_p" "$python" "$work/helper.py" wait "$server" 22 "$sshd_pid" 10)
[[ $ready == ok ]] || die "lab sshd did not come up ($ready): $(tail -n 20 "$work/sshd.log")"
[[ $(cat "$work/sshd.pid" 2>/dev/null) == "$sshd_pid" ]] ||
  die "sshd pid file ($(cat "$work/sshd.pid" 2>/dev/null)) is not the started process ($sshd_pid)"

# The two clients, as they are measured. ssh gets no config file, no agent and only the lab
# key, so that nothing of the machine's or the user's ssh setup takes part.
rp_cmd=("$reachprobe" check --json --no-path --timeout "$rp_timeout" --ssh.key-file "$key"
  --ssh.known-hosts "$known_hosts" --ssh.command true)
rp_target="ssh://root@$server"
ssh_cmd=("$ssh_bin" -F /dev/null -o BatchMode=yes -o UserKnownHostsFile="$known_hosts"
  -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes
  -o ConnectTimeout=10 "${ssh_opts[@]}" -i "$key" "root@$server" true)

# Warm-up (not measured): one check with each client; both must work before measuring.
if ! ip netns exec "$ns_p" env -u SSH_AUTH_SOCK "${ssh_cmd[@]:0:1}" -v "${ssh_cmd[@]:1}" \
  </dev/null >"$work/warm_ssh.out" 2>"$work/warm_ssh.err"; then
  echo "  warm-up: ssh failed: $(grep -v '^debug1' "$work/warm_ssh.err" | tail -n 5 | tr '\n' ' ')" >&2
  echo "  sshd log: $(tail -n 5 "$work/sshd.log" | tr '\n' ' ')" >&2
fi
warm_rc=0
ip netns exec "$ns_p" "${rp_cmd[@]}" "$rp_target" >"$work/warm_rp.out" 2>"$work/warm_rp.err" || warm_rc=$?
if ((warm_rc != 0)); then
  echo "  warm-up: reachprobe exit $warm_rc: $(head -c 600 "$work/warm_rp.out") $(head -c 300 "$work/warm_rp.err")" >&2
fi
ssh_kex=$(sed -n 's/^debug1: kex: algorithm: //p' "$work/warm_ssh.err" | head -n 1)
ssh_cipher=$(sed -n 's/^debug1: kex: server->client cipher: \([^ ]*\) MAC: \([^ ]*\).*/\1 (MAC \2)/p' "$work/warm_ssh.err" | head -n 1)

# ---- measurements ----------------------------------------------------------------------
# run_one TAG TOOL MODE HELPER_MODE CMD... : runs CMD in the client namespace through the
# helper (seq: N times in a row; conc: N at once; one: once), REPEAT times, and keeps the
# fastest run's summary in $work/TAG.json.
records=()
run_one() {
  local tag=$1 tool=$2 mode=$3 hmode=$4
  shift 4
  local best="" best_wall="" i dir
  for ((i = 1; i <= repeat; i++)); do
    dir="$work/$tag.$i"
    mkdir "$dir"
    ip netns exec "$ns_p" env -u SSH_AUTH_SOCK "$python" "$work/helper.py" run "$hmode" "$n" "$dir" \
      "$run_timeout" "$sshd_pid" "$@"
    "$python" "$work/helper.py" summarize "$tool" "$mode" "$dir" "$dir.json"
    read -r wall cpu ok other < <("$python" "$work/helper.py" brief "$dir.json")
    printf '  %-10s %-10s N=%-4s run %d: %8.3f s wall, %7.3f s client CPU, %s/%s ok, %6.2f s other CPU\n' \
      "$tool" "$mode" "$n" "$i" "$wall" "$cpu" "$ok" "$n" "$other"
    if [[ -z $best ]] || num_lt "$wall" "$best_wall"; then
      best=$dir
      best_wall=$wall
    fi
  done
  cp "$best.json" "$work/$tag.json"
  records+=("$work/$tag.json")
}

rp_targets=()
for ((i = 0; i < n; i++)); do rp_targets+=("$rp_target"); done

echo "ssh_check_bench: full SSH checks (banner -> key auth -> exec 'true'), lab $ns_p (198.18.0.1) -> $ns_t ($server:22)"
echo "  $(host_summary), $("$reachprobe" version 2>&1 | head -n 1), $("$ssh_bin" -V 2>&1), server $("$sshd_bin" -V 2>&1 | head -n 1 || true)"
echo "  load average before: $(loadavg) (other work on the machine skews the figures)"
echo "  reachprobe: ${rp_cmd[*]//$work/\$TMP} $rp_target   (sequential: N processes; concurrent: one process, the target N times)"
echo "  ssh:        ${ssh_cmd[*]//$work/\$TMP}   (sequential: N processes; concurrent: N processes at once)"
echo "  server: $sshd_bin, root's home in the server's mount namespace: $([[ $server_home == empty ]] && echo 'an empty tmpfs (no dotfiles)' || echo "the machine's /root (its dotfiles run per check)")"
echo "  ssh negotiates kex ${ssh_kex:-?}, cipher ${ssh_cipher:-?} with this sshd"
echo "  TMP=$work; each measurement runs $repeat time(s); the fastest is kept"
echo

run_one rp_seq reachprobe sequential seq "${rp_cmd[@]}" "$rp_target"
run_one rp_conc reachprobe concurrent one "${rp_cmd[@]}" "${rp_targets[@]}"
run_one ssh_seq ssh sequential seq "${ssh_cmd[@]}"
run_one ssh_conc ssh concurrent conc "${ssh_cmd[@]}"

echo "  load average after:  $(loadavg) (this includes the bench's own concurrent runs)"
"$python" "$work/helper.py" report "${records[@]}"
cat <<'EOF'

wall: from the first client's start to the last one's exit (sequential: the N runs back to
back; a per-process wall is also given). CPU: user+sys of the client processes only, from
wait4() (not the harness, not `ip netns exec`). RSS: the largest peak resident set of one
client process. sshd CPU: utime+stime+cutime+cstime of the lab's sshd master over the run
(its per-connection children, each a re-executed sshd, and the sessions' shells are reaped
by it and counted). success: reachprobe targets with "success": true; ssh runs with exit 0.
other CPU: CPU time the whole machine spent during the run (/proc/stat, not idle or iowait)
minus the clients, sshd and the harness: kernel network work for the lab plus anything else
running. Compare it across runs and modes; a run with much more than the others was disturbed.
EOF
