#!/usr/bin/env bash
# The container image, built and run with podman (issue 13, acceptance 1 and 3): builds
# docker/Dockerfile from this checkout on a Debian 12 base made with debootstrap (no registry
# here; on a Docker host the Dockerfile's default debian:bookworm-slim is used), reports the
# image's size, then runs it twice in a lab network namespace:
#   caps    --cap-drop=ALL --cap-add=NET_RAW (ICMP on raw sockets through the file capability)
#   nocaps  --cap-drop=ALL --sysctl net.ipv4.ping_group_range="0 2147483647" (ping sockets)
# (the second time with blackbox_exporter's command line, flags only) and checks each time: /-/healthy; /probe of lab targets with tcp_connect, icmp and ssh
# modules gives the verdicts (probe_success, failing layer and reason) of the host binary's
# serve in the same namespace; /metrics has the scheduled keys of the mounted config; /status
# lists them; the process is not root; then (caps run) the history on the volume survives a
# container restart, and the HEALTHCHECK turns unhealthy while the server is stopped (SIGSTOP).
#
#   prober rpc<pid>-p 198.18.31.2/24 (the container, and the host binary) -- 198.18.31.3/24 and
#   198.18.31.4/24 target rpc<pid>-t: sshd on :2222, nothing on :9 (refused), :23 dropped,
#   ICMP echo to .4 dropped
#
# usage: docker/container_test.sh [REACHPROBE_BINARY]   (default build/reachprobe)
# env:   RP_PODMAN_CACHE   podman's storage and the base image, kept between runs
#                          (default /var/tmp/reachprobe-podman; the first run makes the base
#                          with debootstrap, about a minute, and the build stage's packages)
# Needs root, podman, runc, debootstrap, curl, python3, sshd; exit 77 (skipped) without them.
# Takes about 12 minutes from an empty cache (the image's compile is most of it), 2 with it.
set -euo pipefail

src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
binary=$(readlink -f -- "${1:-$src/build/reachprobe}")
cache=${RP_PODMAN_CACHE:-/var/tmp/reachprobe-podman}
image=localhost/reachprobe:test
base=localhost/reachprobe-base:bookworm

skip() {
  echo "SKIP: $*"
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, podman)"
for tool in podman runc debootstrap curl python3 ip nft ssh-keygen /usr/sbin/sshd; do
  command -v "$tool" >/dev/null || skip "$tool not found (docker/bootstrap-debian12.sh installs it)"
done
[ -x "$binary" ] || {
  echo "FAIL: reachprobe binary $binary is not executable"
  exit 1
}

# podman as this machine kind needs it (../shared/notes/libraries.md §7): runc (crun fails on
# hybrid cgroups), explicit ulimits, no default network (its CNI bridge takes a private range on the host), and
# storage of its own.
pm() {
  podman --runtime runc --root "$cache/root" --runroot "$cache/runroot" \
    --cgroup-manager cgroupfs --events-backend file "$@"
}
# Health checks are run by hand (healthcheck run): no systemd timers on this machine kind.
run_flags=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --health-interval=disable)

ns_p=rpc$$-p
ns_t=rpc$$-t
work=$(mktemp -d /tmp/rpc$$.XXXXXX)
pids=()
failures=0
cleanup() {
  local rc=$?
  pm rm -f -t 0 rp-caps rp-nocaps >/dev/null 2>&1 || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for ns in "$ns_p" "$ns_t"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    for log in "$work"/*.log; do
      [ -f "$log" ] && { echo "--- $(basename "$log")"; tail -n 20 "$log"; }
    done
  fi
  rm -rf -- "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() { echo "ok   $*"; }
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
in_p() { ip netns exec "$ns_p" "$@"; }
started=$(date +%s)

# ---- the image -------------------------------------------------------------------------
mkdir -p "$cache"
if ! pm image exists "$base"; then
  echo "== base: debootstrap --variant=minbase bookworm (slimmed as debian:bookworm-slim is)"
  rootfs=$cache/rootfs
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1
  # What bookworm-slim leaves out: documentation, manuals, translations, the package cache.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/lib/apt/lists/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  tar -C "$rootfs" -c . | pm import - "$base" >/dev/null
  rm -rf "$rootfs"
fi
echo "== build: podman build -f docker/Dockerfile --build-arg BASE=$base (from $src)"
build_started=$(date +%s)
# --format docker: OCI images have no HEALTHCHECK. --network=host: the build stage's apt.
pm build --format docker --network=host --build-arg "BASE=$base" -f "$src/docker/Dockerfile" \
  -t "$image" "$src" >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log"
  echo "FAIL: the image does not build"
  exit 1
}
size=$(pm image inspect --format '{{.Size}}' "$image")
base_size=$(pm image inspect --format '{{.Size}}' "$base")
echo "== image $image: $((size / 1000000)) MB (base $((base_size / 1000000)) MB, reachprobe and its libraries $(((size - base_size) / 1000000)) MB), built in $(($(date +%s) - build_started)) s"
[ "$size" -le 150000000 ] && ok "image size $((size / 1000000)) MB <= 150 MB" || fail "image size $((size / 1000000)) MB > 150 MB"
pm image inspect --format '{{json .Config.Healthcheck}} user={{.Config.User}}' "$image"

# ---- the lab ---------------------------------------------------------------------------
ip netns add "$ns_p"
ip netns add "$ns_t"
ip -n "$ns_p" link set lo up
ip -n "$ns_t" link set lo up
ip link add rpc0 netns "$ns_p" type veth peer name rpc1 netns "$ns_t"
ip -n "$ns_p" addr add 198.18.31.2/24 dev rpc0
ip -n "$ns_t" addr add 198.18.31.3/24 dev rpc1
ip -n "$ns_t" addr add 198.18.31.4/24 dev rpc1
ip -n "$ns_p" link set rpc0 up
ip -n "$ns_t" link set rpc1 up
ip netns exec "$ns_t" nft -f - <<'NFT'
table inet rpc {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 23 drop
    ip daddr 198.18.31.4 icmp type echo-request drop
  }
}
NFT
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh_host_ed25519_key"
cat >"$work/sshd_config" <<SSHD
Port 2222
ListenAddress 198.18.31.3
HostKey $work/ssh_host_ed25519_key
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
SSHD
ip netns exec "$ns_t" unshare --mount --propagation private sh -c \
  "mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/sshd && exec /usr/sbin/sshd -D -e -f $work/sshd_config" \
  >"$work/sshd.log" 2>&1 &
pids+=($!)

mkdir -p "$work/etc" "$work/data"
cat >"$work/etc/config.yml" <<'CFG'
modules:
  tcp_connect: {prober: tcp, timeout: 2s}
  icmp: {prober: icmp, timeout: 2s}
  ssh_kex: {prober: ssh, timeout: 3s}
scheduler:
  vantage: container
targets:
  - targets: ["198.18.31.3:2222", "198.18.31.3:9"]
    module: tcp_connect
    interval: 2s
  - targets: ["198.18.31.3"]
    module: icmp
    interval: 2s
CFG
chmod 0644 "$work/etc/config.yml"
"$binary" validate --config.file "$work/etc/config.yml" >/dev/null
# The reference: the host binary's serve in the same namespace, the same config.
in_p env -C "$work" "$binary" serve --config.file "$work/etc/config.yml" --storage.path=:memory: \
  --web.listen-address 127.0.0.1:19136 >"$work/host-serve.log" 2>&1 &
pids+=($!)

get() { in_p curl -sS --noproxy '*' --max-time "${2:-10}" "$1"; }
wait_url() {
  local deadline=$(($(date +%s) + $2))
  until get "$1" 2 >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.3
  done
}
wait_url http://127.0.0.1:19136/-/healthy 20 || { echo "FAIL: the host binary's serve did not start"; exit 1; }

# verdict URL : "success layer/reason" of one /probe answer.
verdict() {
  get "$1" 20 | python3 -c '
import re, sys
text = sys.stdin.read()
ok = re.search(r"^probe_success (\S+)", text, re.M)
info = re.search(r"^probe_failure_info\{([^}]*)\} 1", text, re.M)
labels = dict(re.findall(r"(\w+)=\"([^\"]*)\"", info.group(1))) if info else {}
print((ok.group(1) if ok else "none") + " " + labels.get("layer", "-") + "/" + labels.get("reason", "-"))'
}

probes=("tcp_connect 198.18.31.3:2222" "tcp_connect 198.18.31.3:9" "tcp_connect 198.18.31.3:23"
  "icmp 198.18.31.3" "icmp 198.18.31.4" "ssh_kex ssh://198.18.31.3:2222")

# run_container NAME FLAGS... : the image in the prober namespace with the lab's config and the
# volume, and the checks every run makes.
run_container() {
  local name=$1
  shift
  pm run -d --name "$name" "${run_flags[@]}" --network "ns:/run/netns/$ns_p" \
    -v "$work/etc/config.yml:/etc/reachprobe/config.yml:ro" -v "$work/data:/var/lib/reachprobe" \
    "$@" "$image" ${serve_word} --config.file=/etc/reachprobe/config.yml \
    --storage.path=/var/lib/reachprobe/reachprobe.db >/dev/null
  if ! wait_url http://127.0.0.1:9115/-/healthy 30; then
    pm logs "$name" | tail -n 20
    fail "$name: /-/healthy does not answer"
    return 1
  fi
  ok "$name: /-/healthy"
  local pid uid capeff
  pid=$(pm inspect --format '{{.State.Pid}}' "$name")
  uid=$(awk '/^Uid:/ {print $3}' "/proc/$pid/status")
  capeff=$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
  [ "$uid" != 0 ] && ok "$name: serve runs as uid $uid, not root (CapEff $capeff)" || fail "$name: serve runs as root"
  local p module target want got
  for p in "${probes[@]}"; do
    read -r module target <<<"$p"
    want=$(verdict "http://127.0.0.1:19136/probe?module=$module&target=$target")
    got=$(verdict "http://127.0.0.1:9115/probe?module=$module&target=$target")
    if [ "$got" = "$want" ]; then
      ok "$name: /probe $module $target: $got, as the host binary"
    else
      fail "$name: /probe $module $target: $got, the host binary says $want"
      get "http://127.0.0.1:9115/probe?module=$module&target=$target&debug=true" 20 | head -n 40
    fi
  done
  sleep 5 # two scheduled rounds
  local detail
  detail=$(get "http://127.0.0.1:9115/probe?module=icmp&target=198.18.31.3&debug=true" 20 |
    grep -o '"socket": "[a-z]*"' | head -n 1)
  [ -n "$detail" ] && ok "$name: ICMP echo measured on $detail" || fail "$name: ICMP echo not measured"
  local metrics keys
  metrics=$(get http://127.0.0.1:9115/metrics)
  keys=$(grep -c '^probe_runs_total{' <<<"$metrics" || true)
  [ "$keys" = 3 ] && ok "$name: /metrics has the 3 scheduled keys of the mounted config" ||
    fail "$name: /metrics has $keys probe_runs_total series, not 3"
  local status
  status=$(get http://127.0.0.1:9115/status)
  grep -q '198.18.31.3:9' <<<"$status" && grep -q 'tcp/refused' <<<"$status" &&
    ok "$name: /status lists the keys (198.18.31.3:9 tcp/refused)" || fail "$name: /status does not list the keys"
}

echo "== run caps: --cap-drop=ALL --cap-add=NET_RAW, reachprobe serve --config.file=..."
serve_word=serve
chown 65532:65532 "$work/data"
if run_container rp-caps --cap-drop=ALL --cap-add=NET_RAW; then
  # History on the volume across a restart (SIGTERM writes the last batch).
  restart_ms=$(($(date +%s%3N)))
  pm stop -t 15 rp-caps >/dev/null
  pm start rp-caps >/dev/null
  wait_url http://127.0.0.1:9115/-/healthy 30 || fail "rp-caps: no answer after the restart"
  id=$(get http://127.0.0.1:9115/api/v1/targets | python3 -c '
import json, sys
print(next(t["id"] for t in json.load(sys.stdin)["targets"] if t["target"] == "198.18.31.3:9"))')
  before=$(get "http://127.0.0.1:9115/api/v1/targets/$id/history" | python3 -c "
import json, sys
print(sum(1 for r in json.load(sys.stdin)['runs'] if r['time'] * 1000 < $restart_ms))")
  [ "$before" -ge 2 ] && ok "rp-caps: after a restart the history has $before runs from before it" ||
    fail "rp-caps: after a restart the history has $before runs from before it"
  # HEALTHCHECK: healthy, then unhealthy while the server is stopped.
  # Failures inside the start period (15 s) do not count: wait it out.
  sleep 16
  pm healthcheck run rp-caps >/dev/null 2>&1 && ok "rp-caps: HEALTHCHECK healthy" || fail "rp-caps: HEALTHCHECK not healthy"
  pm kill --signal STOP rp-caps >/dev/null
  failed_runs=0
  for _ in 1 2 3; do pm healthcheck run rp-caps >/dev/null 2>&1 || failed_runs=$((failed_runs + 1)); done
  [ "$failed_runs" = 3 ] && ok "rp-caps: 3 of 3 health checks fail while the server is stopped" ||
    fail "rp-caps: $failed_runs of 3 health checks fail while the server is stopped"
  health=$(pm inspect --format '{{.State.Health.Status}}' rp-caps 2>/dev/null || pm inspect --format '{{.State.Healthcheck.Status}}' rp-caps)
  [ "$health" = unhealthy ] && ok "rp-caps: HEALTHCHECK unhealthy while the server is stopped" ||
    fail "rp-caps: HEALTHCHECK says '$health' while the server is stopped"
  pm kill --signal CONT rp-caps >/dev/null
fi
pm rm -f -t 0 rp-caps >/dev/null

echo "== run nocaps: --cap-drop=ALL, net.ipv4.ping_group_range opened in the namespace; blackbox's"
echo "   command line (flags only: --config.file=...)"
serve_word=""
# podman's default sysctls set ping_group_range to "0 0" (root only), also in a namespace it
# joins: the container must say otherwise.
run_container rp-nocaps --cap-drop=ALL --sysctl net.ipv4.ping_group_range="0 2147483647" || true
range=$(in_p cat /proc/sys/net/ipv4/ping_group_range | tr -s '\t ' ' ')
[ "$range" = "0 2147483647" ] && ok "rp-nocaps: ping_group_range is '$range' in its namespace" ||
  fail "rp-nocaps: ping_group_range is '$range' in its namespace"
pm rm -f -t 0 rp-nocaps >/dev/null

echo "== $failures failed, $(($(date +%s) - started)) s in all"
[ "$failures" -eq 0 ]
