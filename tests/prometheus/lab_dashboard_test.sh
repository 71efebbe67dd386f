#!/usr/bin/env bash
# The shipped rules and dashboard against real data: two `reachprobe serve` vantages probe a
# lab target on a schedule, a real Prometheus scrapes both every second and evaluates
# docker/prometheus/reachprobe-rules.yml every second, then every query of
# docker/grafana/reachprobe-dashboard.json (variables as "All") and every label_values()
# variable must return data, and recording rules and alerts must hold what the lab makes.
#
#   vantage lab-a: pa 198.18.21.2 --\
#                                    r1 --- 198.18.22.2, 198.18.22.3 target (tg)
#   vantage lab-b: pb 198.18.23.2 --/
#
# target: sshd on :2222, an HTTPS server on :8443 (a self-signed certificate valid 10 days),
# nothing on :9 (refused), ICMP echo to .3 dropped by nftables; r1 drops lab-b's TCP to :8443
# (one vantage's path). Everything runs inside namespaces rpl<pid>-* and /tmp/rpl<pid>-prom,
# which tests/lab-tools/lab-cleanup.sh (ctest's lab_cleanup) also removes if this run is killed.
#
# Usage: lab_dashboard_test.sh REACHPROBE_BINARY SOURCE_DIR. Needs root; exit 77 (skipped)
# without it or without a tool. Takes about 70 s (the ProbeFailed alert needs a minute).
set -euo pipefail

binary=${1:?usage: lab_dashboard_test.sh REACHPROBE_BINARY SOURCE_DIR}
src=${2:?usage: lab_dashboard_test.sh REACHPROBE_BINARY SOURCE_DIR}
src=$(readlink -f -- "$src")
rules=$src/docker/prometheus/reachprobe-rules.yml
dashboard=$src/docker/grafana/reachprobe-dashboard.json
queries=$src/tests/prometheus/dashboard_queries.py
tls_server=$src/tests/prometheus/tls_http_server.py

skip() {
  echo "SKIP: $*"
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, nftables)"
for tool in ip nft openssl python3 unshare mount ssh-keygen /usr/sbin/sshd /usr/bin/prometheus; do
  command -v "$tool" >/dev/null || skip "$tool not found (docker/bootstrap-debian12.sh installs it)"
done
[ -x "$binary" ] || {
  echo "FAIL: reachprobe binary $binary is not executable"
  exit 1
}
# The servers run from other directories: absolute paths.
binary=$(readlink -f -- "$binary")

started=$(date +%s)
# Names lab-cleanup.sh knows: rpl<pid of a live test process>-<role>.
ns_a=rpl$$-pa
ns_b=rpl$$-pb
ns_r=rpl$$-r1
ns_t=rpl$$-tg
dir=/tmp/rpl$$-prom
prom_port=19190
port_a=19131
port_b=19132
prom_url=http://127.0.0.1:$prom_port
created=()

teardown() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -d "$dir" ]; then
    for log in "$dir"/*.log; do
      [ -f "$log" ] || continue
      echo "--- $(basename "$log") (last lines)"
      tail -n 15 "$log"
    done
  fi
  # Every process of this run lives in one of its namespaces: kill those, then the namespaces.
  local ns pid
  for ns in "${created[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
  for ns in "${created[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$dir"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 143' INT TERM

in_ns() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

# Starts a command in a namespace in the background, output to $dir/<name>.log; it is killed
# at teardown with everything else in the namespace.
spawn() {
  local ns=$1 name=$2
  shift 2
  ip netns exec "$ns" setsid "$@" >"$dir/$name.log" 2>&1 </dev/null &
}

wait_for() {
  local what=$1 seconds=$2
  shift 2
  local deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "FAIL: $what not ready after ${seconds}s"
      return 1
    fi
    sleep 0.2
  done
}

mkdir -p "$dir/a" "$dir/b"
echo "== lab: namespaces $ns_a $ns_b $ns_r $ns_t, scratch $dir"
for ns in "$ns_a" "$ns_b" "$ns_r" "$ns_t"; do
  ip netns add "$ns"
  created+=("$ns")
  ip -n "$ns" link set lo up
done
ip link add pa0 netns "$ns_a" type veth peer name ra netns "$ns_r"
ip link add pb0 netns "$ns_b" type veth peer name rb netns "$ns_r"
ip link add rt netns "$ns_r" type veth peer name tg0 netns "$ns_t"
ip -n "$ns_a" addr add 198.18.21.2/24 dev pa0
ip -n "$ns_r" addr add 198.18.21.1/24 dev ra
ip -n "$ns_b" addr add 198.18.23.2/24 dev pb0
ip -n "$ns_r" addr add 198.18.23.1/24 dev rb
ip -n "$ns_r" addr add 198.18.22.1/24 dev rt
ip -n "$ns_t" addr add 198.18.22.2/24 dev tg0
ip -n "$ns_t" addr add 198.18.22.3/24 dev tg0
for pair in "$ns_a pa0" "$ns_b pb0" "$ns_r ra" "$ns_r rb" "$ns_r rt" "$ns_t tg0"; do
  read -r ns link <<<"$pair"
  ip -n "$ns" link set "$link" up
done
ip -n "$ns_a" route add default via 198.18.21.1
ip -n "$ns_b" route add default via 198.18.23.1
ip -n "$ns_t" route add default via 198.18.22.1
in_ns "$ns_r" sysctl -qw net.ipv4.ip_forward=1
# Path traces from two vantages every 3 s: ICMP errors must not be rate-limited away.
in_ns "$ns_r" sysctl -qw net.ipv4.icmp_ratelimit=0
in_ns "$ns_t" sysctl -qw net.ipv4.icmp_ratelimit=0
# The faults: echo to .3 dropped at the target (both vantages fail it: the target side);
# lab-b's TCP to the HTTPS port dropped at r1 (only lab-b fails it: lab-b's path).
in_ns "$ns_t" nft -f - <<'EOF'
table inet rplab {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 198.18.22.3 icmp type echo-request drop
  }
}
EOF
in_ns "$ns_r" nft -f - <<'EOF'
table inet rplab {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr 198.18.23.2 ip daddr 198.18.22.2 tcp dport 8443 drop
  }
}
EOF

# sshd: banner and key exchange only (no account is used). A private mount namespace gives it
# a fresh /run for its privilege separation directory.
ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key"
cat >"$dir/sshd_config" <<EOF
Port 2222
ListenAddress 198.18.22.2
HostKey $dir/ssh_host_ed25519_key
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
EOF
# `sshd -t` first (it needs /run/sshd too), so a config error lands in sshd.log.
spawn "$ns_t" sshd unshare --mount --propagation private sh -c \
  "mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/sshd &&
   /usr/sbin/sshd -t -f $dir/sshd_config && exec /usr/sbin/sshd -D -e -f $dir/sshd_config"

# HTTPS with a self-signed certificate for the IP, valid 10 days: probe_ssl_earliest_cert_expiry
# has data, and the 20-day warning has something to say.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 10 \
  -subj /CN=198.18.22.2 -addext subjectAltName=IP:198.18.22.2 \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>"$dir/openssl.log"
spawn "$ns_t" https python3 "$tls_server" 198.18.22.2 8443 "$dir/tls.crt" "$dir/tls.key"

port_open() { in_ns "$ns_t" bash -c "exec 3<>/dev/tcp/$1/$2"; }
wait_for "sshd on 198.18.22.2:2222" 10 port_open 198.18.22.2 2222
wait_for "https on 198.18.22.2:8443" 10 port_open 198.18.22.2 8443

# The same keys from both vantages; only the vantage label differs.
serve_config() {
  cat <<EOF
modules:
  tcp_connect: {prober: tcp, timeout: 1s}
  ping: {prober: icmp, timeout: 1s}
  https_lab:
    prober: http
    timeout: 1500ms
    http:
      tls_config: {ca_file: $dir/tls.crt}
  ssh_kex: {prober: ssh, timeout: 1500ms}
  trace: {prober: path, timeout: 2500ms}
scheduler:
  vantage: $1
targets:
  - targets: ["198.18.22.2:2222", "198.18.22.2:9"]
    module: tcp_connect
    interval: 2s
    labels: {team: lab}
  - targets: ["198.18.22.2", "198.18.22.3"]
    module: ping
    interval: 2s
    labels: {team: lab}
  - targets: ["https://198.18.22.2:8443/"]
    module: https_lab
    interval: 2s
    labels: {team: web}
  - targets: ["ssh://198.18.22.2:2222"]
    module: ssh_kex
    interval: 2s
    labels: {team: lab}
  - targets: ["198.18.22.2"]
    module: trace
    interval: 3s
    labels: {team: lab}
EOF
}
serve_config lab-a >"$dir/a/reachprobe.yml"
serve_config lab-b >"$dir/b/reachprobe.yml"
"$binary" validate --config.file "$dir/a/reachprobe.yml"
# Working directories in the scratch dir: anything serve writes by a relative path stays there.
spawn "$ns_a" serve-a env -C "$dir/a" "$binary" serve --config.file "$dir/a/reachprobe.yml" \
  --web.listen-address "127.0.0.1:$port_a"
spawn "$ns_b" serve-b env -C "$dir/b" "$binary" serve --config.file "$dir/b/reachprobe.yml" \
  --web.listen-address "198.18.23.2:$port_b"

cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ['$rules']
scrape_configs:
  - job_name: reachprobe
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$port_a', '198.18.23.2:$port_b']
EOF
spawn "$ns_a" prometheus /usr/bin/prometheus --config.file "$dir/prometheus.yml" \
  --storage.tsdb.path "$dir/tsdb" --web.listen-address "127.0.0.1:$prom_port"
wait_for "Prometheus /-/ready" 20 in_ns "$ns_a" python3 -c \
  "import urllib.request; urllib.request.urlopen('$prom_url/-/ready', timeout=1)"
echo "== Prometheus ready after $(($(date +%s) - started)) s; scraping both vantages"

# What the lab makes, as the rules must see it. Failing keys: tolerance for a scrape that
# lands between a run's runs_total and failures_total increments.
cat >"$dir/expectations.txt" <<'EOF'
# both vantages scraped, 7 keys each
eq 1 up{job="reachprobe"}
eq 2 count(count by (vantage) (probe_runs_total))
eq 14 count(key:probe_availability:ratio_rate5m)
# availability recording rules: healthy keys 1, failing keys (about) 0
eq 1 key:probe_availability:ratio_rate5m{target="198.18.22.2:2222",module="tcp_connect"}
eq 1 key:probe_availability:ratio_rate5m{target="ssh://198.18.22.2:2222"}
eq 1 key:probe_availability:ratio_rate5m{target="198.18.22.2",module="ping"}
eq 1 key:probe_availability:ratio_rate30d{target="https://198.18.22.2:8443/",vantage="lab-a"}
lt 0.15 key:probe_availability:ratio_rate5m{target="198.18.22.2:9"}
lt 0.15 key:probe_availability:ratio_rate1h{target="198.18.22.3",module="ping"}
lt 0.15 key:probe_availability:ratio_rate5m{target="https://198.18.22.2:8443/",vantage="lab-b"}
# objective, budget, failures by layer
eq 14 count(key:probe_slo_objective:ratio == 0.999)
lt 0 key:probe_error_budget_remaining:ratio_rate30d{target="198.18.22.2:9"}
gt 0 layer_reason:probe_failures:rate5m{layer="tcp",reason="refused"}
gt 0 layer_reason:probe_failures:rate5m{layer="icmp",reason="timeout"}
gt 0 vantage_layer_reason:probe_failures:rate5m{vantage="lab-b"}
# the lab's layers: refused port, dropped echo, lab-b's path to the HTTPS port
present probe_failure_info{target="198.18.22.2:9",layer="tcp",reason="refused"}
present probe_failure_info{target="198.18.22.3",layer="icmp",reason="timeout"}
present probe_failure_info{target="https://198.18.22.2:8443/",vantage="lab-b"}
# alerts (pending or firing): target side, one vantage's path, certificate, burn rate
present ALERTS{alertname="ReachprobeTargetDown",target="198.18.22.2:9",module="tcp_connect"}
present ALERTS{alertname="ReachprobeTargetDown",target="198.18.22.3",module="ping"}
present ALERTS{alertname="ReachprobeVantagePathDown",target="https://198.18.22.2:8443/",vantage="lab-b"}
present ALERTS{alertname="ReachprobeCertificateExpiry",severity="warning",target="https://198.18.22.2:8443/",vantage="lab-a"}
present ALERTS{alertname="ReachprobeErrorBudgetBurn",long="1h",target="198.18.22.2:9"}
# ProbeFailed's `for: 1m` has run its course for a key that never succeeds
present ALERTS{alertname="ReachprobeProbeFailed",alertstate="firing",target="198.18.22.2:9",vantage="lab-a"}
# and silent where nothing fails
absent ALERTS{target="198.18.22.2:2222"}
absent ALERTS{target="ssh://198.18.22.2:2222"}
absent ALERTS{target="198.18.22.2",module="ping"}
absent ALERTS{alertname!="ReachprobeCertificateExpiry",target="https://198.18.22.2:8443/",vantage="lab-a"}
absent ALERTS{alertname="ReachprobeTargetDown",target="https://198.18.22.2:8443/"}
absent ALERTS{alertname=~"ReachprobeSlowProbe|ReachprobeVantageDegraded"}
EOF

# check_all [--quiet]: the dashboard's queries and the expectations; prints what fails.
check_all() {
  local ok=0
  in_ns "$ns_a" python3 "$queries" query "$dashboard" --url "$prom_url" "$@" || ok=1
  in_ns "$ns_a" python3 "$queries" expect "$dir/expectations.txt" --url "$prom_url" "$@" || ok=1
  return $ok
}

# Poll until everything holds (the firing ProbeFailed needs a minute of scrapes) or 100 s.
deadline=$(($(date +%s) + 100))
sleep 20
until check_all --quiet >"$dir/last-check.txt" 2>&1; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "== not everything holds after $(($(date +%s) - started)) s:"
    check_all || true
    exit 1
  fi
  sleep 5
done
check_all
echo "PASS in $(($(date +%s) - started)) s"
