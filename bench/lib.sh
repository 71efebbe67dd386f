# shellcheck shell=bash
# lib.sh - set-up and tear-down shared by the benchmark scripts in this directory.
#
# Sourced, not run: each *_bench.sh sets `bench_name` (the prefix of its error messages)
# and sources this file right after `set -euo pipefail`. Nothing here runs on its own; it
# only defines functions and a few variables:
#   repo_root   the repository (this file's parent directory), for default binary paths
#   work        the run's temporary directory (set by lab_begin)
#   lab_pids    processes the clean-up stops with TERM (the script appends to it)
#   lab_kill_signal  what the clean-up sends to whatever is still inside the lab's
#               namespaces (default TERM; KILL where leftovers must not linger)
#   listener_pid  the AnyIP TCP/22 listener (set by lab_start_listener)
#
# The lab is two network namespaces joined by one veth, 198.18.0.1/30 on the first side
# and 198.18.0.2/30 on the second; optionally the second owns all of 198.19.0.0/16
# (AnyIP). Every address is inside 198.18.0.0/15 (RFC 2544 benchmarking space) and every
# probe is run inside the namespaces, so nothing leaves the lab or touches the host's own
# network. A script that needs something more (a listener, sshd, nginx, sysctls) adds it
# with the functions below or on its own.

: "${bench_name:?set bench_name before sourcing lib.sh}"
repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
bench_dir=$repo_root/bench

# ---- messages --------------------------------------------------------------------------
# A missing tool or privilege is not the benchmark's fault: say so and exit 0, so that a
# runner that calls every benchmark does not count it as a failure.
skip() {
  printf 'skipped: %s\n' "$*"
  exit 0
}
# A bad setting or a lab that does not work is an error: exit 1.
die() {
  printf '%s: error: %s\n' "$bench_name" "$*" >&2
  exit 1
}

# ---- prerequisites ---------------------------------------------------------------------
# Network namespaces, veths and their sysctls all need root.
require_root() {
  [[ $(id -u) -eq 0 ]] || skip "needs root for network namespaces (run: sudo $0)"
}

# require_tools TOOL... : each must be in PATH.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found in PATH"
  done
}

# abs_path PATH : PATH made absolute. The binaries are run through `ip netns exec` and from
# other directories, and compared with /proc/PID/exe, so a relative path will not do.
abs_path() {
  printf '%s/%s\n' "$(cd -- "$(dirname -- "$1")" && pwd)" "$(basename -- "$1")"
}

# require_reachprobe : $reachprobe (from $1 / REACHPROBE / build/reachprobe) must be an
# executable file; it is made absolute.
require_reachprobe() {
  [[ -f $reachprobe && -x $reachprobe ]] || skip "reachprobe binary not found or not executable: $reachprobe (build it, or pass its path as \$1 / REACHPROBE)"
  reachprobe=$(abs_path "$reachprobe")
}

# find_python : sets $python to the interpreter itself, not a wrapper such as a pyenv shim:
# the helpers run many times, and a shim's start-up would be measured with them.
find_python() {
  python=$(python3 -c 'import sys; print(sys.executable)')
  [[ -x $python ]] || skip "cannot locate the python3 interpreter"
}

# Wall times are taken from EPOCHREALTIME (microseconds, no subprocess), new in bash 5.
require_epochrealtime() {
  [[ -n ${EPOCHREALTIME:-} ]] || skip "needs bash >= 5 (EPOCHREALTIME)"
}

# apt_install WHAT PACKAGE : best effort; the caller checks afterwards and skips if it is
# still missing (no apt-get, no network, not Debian).
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 0
  echo "installing $1: apt-get install -y $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 || true
}

# check_positive NAME VALUE : VALUE must be an integer >= 1 (REPEAT, RUN_TIMEOUT...).
check_positive() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"
}

# check_range NAME VALUE MAX : VALUE must be an integer in 1..MAX (N, CONCURRENCY...).
check_range() {
  if ! [[ $2 =~ ^[1-9][0-9]*$ ]] || (($2 > $3)); then die "$1 must be an integer in 1..$3, got '$2'"; fi
}

# check_list NAME MAX VALUE... : a list setting (SIZES, CONCURRENCY) must not be empty, and
# each of its words must be an integer in 1..MAX.
check_list() {
  local name=$1 max=$2 v
  shift 2
  (($# > 0)) || die "$name is empty"
  for v in "$@"; do
    if ! [[ $v =~ ^[1-9][0-9]*$ ]] || ((v > max)); then die "$name: '$v' is not an integer in 1..$max"; fi
  done
}

# ---- the lab ---------------------------------------------------------------------------
lab_namespaces=()
lab_pids=()
lab_kill_signal=TERM
listener_pid=""

# lab_begin TMP_PREFIX NS... : makes the temporary directory ($work, named TMP_PREFIX<pid>)
# and installs the clean-up for the namespaces NS... before any of them exists, so that an
# error or a Ctrl-C at any later point still removes whatever was made. The trap turns
# signals into an exit with the usual 128+N status; the EXIT trap does the work once.
lab_begin() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/$1$$.XXXXXX")
  shift
  lab_namespaces=("$@")
  trap lab_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  trap 'exit 141' PIPE
  # The helpers' shared Python, beside the helper.py a script writes into $work.
  cp -- "$bench_dir/benchlib.py" "$work/"
}

# The EXIT trap. A script with processes that need more than a TERM (nginx wants QUIT and
# time to drain; a run in the background is stopped first) defines bench_cleanup, which
# is called first.
lab_cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  trap '' PIPE # a closed stdout must not stop the clean-up half-way
  if declare -F bench_cleanup >/dev/null; then
    bench_cleanup || true
  fi
  local ns pid
  for pid in "${lab_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${lab_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  for ns in "${lab_namespaces[@]}"; do
    if ip netns pids "$ns" >/dev/null 2>&1; then
      # Only processes inside this run's own namespaces (children of the lab's servers,
      # a run cut short by a signal), never anything of the host's.
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -"$lab_kill_signal" "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
  rm -rf -- "$work"
  exit "$rc"
}

# lab_link NS_A VETH_A NS_B VETH_B : the two namespaces and the veth between them,
# 198.18.0.1/30 on VETH_A, 198.18.0.2/30 on VETH_B, everything up (lo too: the exporters
# listen on 127.0.0.1, and AnyIP addresses live on lo).
lab_link() {
  local ns_a=$1 veth_a=$2 ns_b=$3 veth_b=$4 ns
  ip netns add "$ns_a"
  ip netns add "$ns_b"
  ip -n "$ns_a" link add "$veth_a" type veth peer name "$veth_b" netns "$ns_b"
  ip -n "$ns_a" addr add 198.18.0.1/30 dev "$veth_a"
  ip -n "$ns_b" addr add 198.18.0.2/30 dev "$veth_b"
  for ns in "$ns_a" "$ns_b"; do ip -n "$ns" link set lo up; done
  ip -n "$ns_a" link set "$veth_a" up
  ip -n "$ns_b" link set "$veth_b" up
}

# lab_anyip NS_PROBER NS_TARGET : every address of 198.19.0.0/16 is local to the target
# namespace ("AnyIP"), so tens of thousands of distinct targets cost no configuration, and
# the prober routes them over the veth. Both stay inside 198.18.0.0/15.
lab_anyip() {
  ip -n "$2" route add local 198.19.0.0/16 dev lo
  ip -n "$1" route add 198.19.0.0/16 via 198.18.0.2
}

# lab_raise_backlog NS [KEY=VALUE...] : room for bursts of handshakes in NS (the default
# somaxconn of 4096 and SYN backlog would drop them and measure the kernel, not the tool),
# plus any further sysctls for NS. Namespaced sysctls: the host's are not changed.
lab_raise_backlog() {
  local ns=$1
  shift
  ip netns exec "$ns" sysctl -q -w net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 "$@"
}

# lab_scheduling_pair NS_PROBER NS_TARGET : the two-namespace lab of the scheduling benchmarks:
# the veth, AnyIP 198.19.0.0/16 in the target, no ICMP rate limiting there (every echo must be
# answered), room for bursts of handshakes on both sides, and ephemeral ports on the prober's.
lab_scheduling_pair() {
  lab_link "$1" veth-p "$2" veth-t
  lab_anyip "$1" "$2"
  lab_raise_backlog "$2" net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 \
    net.ipv4.icmp_msgs_burst=100000
  lab_raise_backlog "$1" net.ipv4.ip_local_port_range="10000 65000" net.ipv4.tcp_tw_reuse=1
}

# lab_stop_pids TENTHS PID... : SIGTERM to each, SIGKILL to any still there after TENTHS tenths
# of a second, and reaps them.
lab_stop_pids() {
  local tenths=$1 pid
  shift
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq "$tenths"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# lab_start_listener NS_TARGET : one TCP listener on 0.0.0.0:22 in the target namespace,
# which accepts on every AnyIP address (start it after lab_raise_backlog: listen() takes
# the backlog from somaxconn as it is then). Waits until it is listening. Not through a
# function such as in_t: a backgrounded function would be a subshell, and $! not the
# listener; `ip netns exec` execs in place, so $! is the python process itself.
lab_start_listener() {
  ip netns exec "$1" "$python" "$work/benchlib.py" listen "$work/listener.ready" >"$work/listener.log" 2>&1 &
  listener_pid=$!
  lab_pids+=("$listener_pid")
  local _
  for _ in $(seq 50); do
    [[ -s $work/listener.ready ]] && break
    kill -0 "$listener_pid" 2>/dev/null || die "TCP listener exited: $(cat "$work/listener.log")"
    sleep 0.1
  done
  [[ -s $work/listener.ready ]] || die "TCP listener did not start: $(cat "$work/listener.log")"
}

# lab_verify_listener NS_PROBER : a connection from the prober to two AnyIP addresses far
# apart is accepted, i.e. the route, the veth and the listener all work.
lab_verify_listener() {
  local verified
  verified=$(ip netns exec "$1" "$python" "$work/benchlib.py" verify 198.19.0.1 198.19.200.77 2>&1) ||
    die "lab: TCP/22 not accepted on 198.19.0.1 / 198.19.200.77: $verified"
}

# lab_nginx_conf DIR WORKERS SERVER_LINES : DIR/nginx.conf for the machine's nginx run in the
# foreground by a benchmark, every path (pid, logs, temp files) inside DIR (its logs/ and tmp/
# are made), no access log, with SERVER_LINES as the body of its one server block. The
# machine's own nginx service and /etc/nginx are not used.
lab_nginx_conf() {
  local dir=$1 workers=$2 server=$3
  mkdir -p "$dir/logs" "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
user root;
worker_processes $workers;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events {
    worker_connections 8192;
}
http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    keepalive_timeout 65;
    server {
$server
    }
}
EOF
}

# ---- readings --------------------------------------------------------------------------
# "kernel R, N CPU(s)": the figures depend on both; every header starts with them.
host_summary() {
  echo "kernel $(uname -r), $(nproc) CPU(s)"
}

# The 1, 5 and 15 minute load averages: other work on the machine skews the figures, and
# this shows it.
loadavg() {
  cut -d' ' -f1-3 /proc/loadavg
}

# proc_cpu_ticks PID... : utime+stime of the processes, in clock ticks (getconf CLK_TCK),
# 0 for one that is gone. From /proc/PID/stat: the fields after the ")" that ends comm
# (which may itself hold spaces), utime the 12th, stime the 13th.
proc_cpu_ticks() {
  local pid total=0 t
  for pid in "$@"; do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}

# num_lt A B : true when the number A is below B (bash has no floating point); for
# keeping the fastest or cheapest of REPEAT runs.
num_lt() {
  awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}
