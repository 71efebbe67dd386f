#!/usr/bin/env bash
# http_probe_bench.sh - what one HTTP probe and one HTTPS probe (a new TLS handshake each
# time) cost reachprobe's client, against a local nginx.
#
# Builds a two-namespace lab (client 198.18.0.1/30, server 198.18.0.2/30 running nginx on
# :80 and :443 with a throw-away CA and an ECDSA P-256 certificate for IP 198.18.0.2), then
# runs build/bench/http_probe_bench in the client namespace for http and https, concurrency
# 1 and 50, N probes each (dns, tcp, tls, http layers; no icmp, no path), and prints a
# table: successes, wall time, client CPU per probe (getrusage of the bench process, which
# runs the probes only), probes/s, and nginx's CPU per probe (master + workers, /proc).
# A benchmark, not a test: no pass/fail.
#
# usage: sudo bench/http_probe_bench.sh [HTTP_PROBE_BENCH_BINARY]
# env:   HTTP_PROBE_BENCH  binary (default: build/bench/http_probe_bench under the repository root)
#        N                 probes per run (default 1000; 1..1000000)
#        CONCURRENCY       in-flight limits to measure (default "1 50")
#        REPEAT            runs per measurement, the lowest client CPU is kept (default 1)
#        NGINX_WORKERS     nginx worker_processes (default 1; "auto" = one per CPU)
#        RUN_TIMEOUT       seconds before a single run is killed (default 300)
#
# Traffic stays inside the lab namespaces and inside 198.18.0.0/15 (RFC 2544 benchmarking
# space). Everything it creates (two namespaces, nginx, a temporary directory with the keys,
# config and logs) is removed on exit, including on failure or Ctrl-C.
set -euo pipefail
export LC_ALL=C

bench_name=http_probe_bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh" # skip, die, checks, the lab, clean-up

bench=${1:-${HTTP_PROBE_BENCH:-$repo_root/build/bench/http_probe_bench}}
n=${N:-1000}
concurrency_list=${CONCURRENCY:-1 50}
repeat=${REPEAT:-1}
nginx_workers=${NGINX_WORKERS:-1}
run_timeout=${RUN_TIMEOUT:-300}

# ---- prerequisites: anything missing is a skip, not a failure -------------------------
[[ -f $bench && -x $bench ]] || skip "build the http_probe_bench target (cmake --build build --target http_probe_bench); not found: $bench"
require_root
nginx_bin=$(command -v nginx 2>/dev/null || true)
[[ -z $nginx_bin && -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
[[ -n $nginx_bin ]] || skip "nginx not found (install the nginx package; its own service need not run)"
require_tools ip openssl timeout awk
bench=$(abs_path "$bench")
check_range N "$n" 1000000
check_positive REPEAT "$repeat"
check_positive RUN_TIMEOUT "$run_timeout"
[[ $nginx_workers == auto || $nginx_workers =~ ^[1-9][0-9]?$ ]] || die "NGINX_WORKERS must be 1..99 or auto, got '$nginx_workers'"
read -r -a concurrencies <<<"$concurrency_list"
check_list CONCURRENCY 10000 "${concurrencies[@]}"
clk_tck=$(getconf CLK_TCK)

# ---- lab -----------------------------------------------------------------------------
# client rphb<pid>-c (198.18.0.1) -> server rphb<pid>-s (198.18.0.2, nginx)
ns_c="rphb$$-c"
ns_s="rphb$$-s"
nginx_pid=""
run_pid=""

# Called by lab_cleanup before it empties the namespaces (with KILL: nginx workers, a run
# cut short) and removes them and $work.
bench_cleanup() {
  if [[ -n $run_pid ]]; then
    kill -TERM "$run_pid" 2>/dev/null || true # timeout passes it on to the bench
    wait "$run_pid" 2>/dev/null || true
  fi
  if [[ -n $nginx_pid ]]; then
    # QUIT: graceful; the master takes its workers with it.
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    local i
    for i in $(seq 50); do
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
}
lab_kill_signal=KILL
lab_begin rphb "$ns_c" "$ns_s"

in_c() { ip netns exec "$ns_c" "$@"; }

lab_link "$ns_c" veth-c "$ns_s" veth-s
# The client closes each connection first, so each leaves a TIME_WAIT socket on its side for
# 60 s: with the default 28k ephemeral ports a few runs of N=1000 (and any large N) would run
# out of ports (connect() fails with EADDRNOTAVAIL, and looking for a free port costs sys
# CPU long before that). Wide range and TIME_WAIT reuse, in the client namespace only.
ip netns exec "$ns_c" sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1

# ---- a test CA and a server certificate for IP 198.18.0.2 (ECDSA P-256) ----------------
pki=$work/pki
mkdir -p "$pki"
(
  cd "$pki"
  openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
  openssl req -x509 -new -key ca.key -sha256 -days 2 -subj "/CN=reachprobe bench CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out server.key 2>/dev/null
  openssl req -new -key server.key -subj "/CN=198.18.0.2" -out server.csr 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=IP:198.18.0.2" >server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 2 \
    -extfile server.ext -out server.crt 2>/dev/null
) || die "openssl could not create the test CA and certificate"
openssl verify -CAfile "$pki/ca.crt" "$pki/server.crt" >/dev/null 2>&1 || die "the test certificate does not verify"

# ---- nginx in the server namespace, every path in the temporary directory --------------
lab_nginx_conf "$work/nginx" "$nginx_workers" "        listen 198.18.0.2:80 backlog=4096;
        listen 198.18.0.2:443 ssl backlog=4096;
        server_name _;
        ssl_certificate $pki/server.crt;
        ssl_certificate_key $pki/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location /health {
            return 200 \"ok\";
        }"
ip netns exec "$ns_s" "$nginx_bin" -t -q -p "$work/nginx" -e "$work/nginx/logs/error.log" -c "$work/nginx/nginx.conf" \
  >"$work/nginx/test.log" 2>&1 || die "nginx rejects the lab config: $(head -c 600 "$work/nginx/test.log")"
# (not through a function: $! must be nginx's master; ip netns exec execs it in place)
ip netns exec "$ns_s" "$nginx_bin" -p "$work/nginx" -e "$work/nginx/logs/error.log" \
  -c "$work/nginx/nginx.conf" >"$work/nginx/stdout.log" 2>&1 &
nginx_pid=$!

ready=""
for _ in $(seq 100); do
  kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited: $(tail -c 600 "$work/nginx/logs/error.log" 2>/dev/null)"
  if in_c "$bench" --url http://198.18.0.2/health --count 1 --concurrency 1 --warmup 0 --timeout 1 \
    >/dev/null 2>&1 &&
    in_c "$bench" --url https://198.18.0.2/health --ca-file "$pki/ca.crt" --count 1 \
      --concurrency 1 --warmup 0 --timeout 1 >"$work/ready.out" 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
[[ -n $ready ]] || die "nginx does not answer on 198.18.0.2:80/443: $(cat "$work/ready.out" 2>/dev/null)"

# user+sys CPU seconds of nginx's master and its workers (which live as long as the master).
nginx_cpu() {
  # shellcheck disable=SC2046 # the children file is a space-separated list of pids
  proc_cpu_ticks "$nginx_pid" $(cat "/proc/$nginx_pid/task/$nginx_pid/children" 2>/dev/null || true)
}
field() { awk -F': ' -v k="$1" '$1 == k { print $2; exit }' "$2"; }

# ---- measurements ----------------------------------------------------------------------
echo "http_probe_bench: reachprobe HTTP(S) probe cost, lab $ns_c (198.18.0.1) -> $ns_s (198.18.0.2, nginx)"
echo "  $(host_summary), $("$nginx_bin" -v 2>&1 | head -n 1), $(openssl version | cut -d' ' -f1-2)"
echo "  nginx: worker_processes $nginx_workers (pid $nginx_pid, workers $(wc -w <"/proc/$nginx_pid/task/$nginx_pid/children" 2>/dev/null || echo '?')); certificate ECDSA P-256, SAN IP:198.18.0.2"
echo "  probe: $(grep '^layers:' "$work/ready.out" | cut -d' ' -f2-) layers; https $(grep '^negotiated:' "$work/ready.out" | cut -d' ' -f2-)"
echo "  every probe: a new TCP connection, and for https a new full TLS handshake (no reuse)"
echo "  N=$n per run, 1 unmeasured warm-up probe; each measurement runs $repeat time(s), the lowest client CPU is kept"
echo "  load average before: $(loadavg) (other work on the machine skews the figures)"
echo

results=()
for scheme in http https; do
  for c in "${concurrencies[@]}"; do
    best="" best_cpu=""
    for ((i = 1; i <= repeat; i++)); do
      out="$work/$scheme.$c.$i.out"
      args=(--url "$scheme://198.18.0.2/health" --count "$n" --concurrency "$c" --warmup 1)
      [[ $scheme == https ]] && args+=(--ca-file "$pki/ca.crt")
      s0=$(nginx_cpu)
      rc=0
      # In the background and waited for, so that Ctrl-C reaches the trap at once.
      timeout --kill-after=5 "$run_timeout" ip netns exec "$ns_c" "$bench" "${args[@]}" \
        >"$out" 2>"$out.err" &
      run_pid=$!
      wait "$run_pid" || rc=$?
      run_pid=""
      s1=$(nginx_cpu)
      echo "nginx_ticks: $((s1 - s0))" >>"$out"
      echo "rc: $rc" >>"$out"
      if ((rc > 1)); then
        echo "  $scheme c=$c run $i: exit $rc: $(head -c 400 "$out.err")" >&2
        continue
      fi
      cpu=$(field cpu_ms_per_probe "$out")
      printf '  %-5s c=%-4s N=%-7s run %d: %s s wall, %s ms CPU/probe, %s/%s ok\n' "$scheme" "$c" \
        "$n" "$i" "$(field wall_s "$out")" "$cpu" "$(field successes "$out")" "$n"
      if [[ -z $best ]] || num_lt "$cpu" "$best_cpu"; then
        best=$out
        best_cpu=$cpu
      fi
    done
    [[ -n $best ]] && results+=("$scheme $c $best")
  done
done
echo "  load average after:  $(loadavg)"
((${#results[@]} > 0)) || die "nothing was measured"

echo
hdr=$(printf '%-7s%6s%8s%11s%9s%15s%10s%11s%10s%15s' scheme conc N successes "wall s" \
  "client ms/pr" "user/sys" "probes/s" "p50 ms" "nginx ms/pr")
echo "$hdr"
printf '%*s\n' "${#hdr}" '' | tr ' ' '-'
for r in "${results[@]}"; do
  read -r scheme c out <<<"$r"
  user=$(field client_user_s "$out")
  sys=$(field client_sys_s "$out")
  ticks=$(field nginx_ticks "$out")
  # nginx also served the warm-up probe: divide by N+1
  nginx_ms=$(awk -v t="$ticks" -v hz="$clk_tck" -v n="$n" 'BEGIN { printf "%.3f", t * 1000 / hz / (n + 1) }')
  split=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f/%.0f", (u + s > 0 ? 100 * u / (u + s) : 0), (u + s > 0 ? 100 * s / (u + s) : 0) }')
  printf '%-7s%6s%8s%11s%9s%15s%10s%11s%10s%15s\n' "$scheme" "$c" "$n" "$(field successes "$out")" \
    "$(field wall_s "$out")" "$(field cpu_ms_per_probe "$out")" "$split%" "$(field probes_per_s "$out")" \
    "$(field probe_ms_p50 "$out")" "$nginx_ms"
done
for r in "${results[@]}"; do
  read -r scheme c out <<<"$r"
  failures=$(field failures "$out")
  if [[ ${failures%% *} != 0 ]]; then
    echo
    echo "$scheme c=$c: $failures (verdict layer/reason=count)"
    grep '^failure_sample: ' "$out" | sed 's/^failure_sample: /  /'
  fi
done
cat <<EOF

client ms/pr: user+sys CPU of the bench process (getrusage RUSAGE_SELF) over the N probes,
divided by N: the probes alone, not process start-up or the warm-up. user/sys: its split in %.
wall s: from the first probe started to the last one finished; probes/s = N / wall s.
p50 ms: median probe duration as reachprobe reports it. nginx ms/pr: utime+stime of nginx's
master and workers (/proc/PID/stat, ${clk_tck} Hz ticks) over the run, divided by N+1.
EOF
