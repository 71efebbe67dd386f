#!/bin/sh
# Removes reachprobe lab namespaces (named rpl<pid>-<role>) left behind by test processes that
# died without tearing down (killed by a ctest timeout, a crash, SIGKILL). Namespaces of live
# runs are left alone, so this is safe while other lab runs are in progress.
set -u

for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^rpl[0-9]+-[a-z0-9]+$'); do
  owner=${ns#rpl}
  owner=${owner%%-*}
  if kill -0 "$owner" 2>/dev/null; then
    continue
  fi
  # Processes inside (dnsmasq, listeners, a stopped dnsmasq) would keep the namespace alive.
  for pid in $(ip netns pids "$ns" 2>/dev/null); do
    kill -CONT "$pid" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
  done
  ip netns del "$ns" && echo "lab-cleanup: removed leaked namespace $ns"
done

# Private resolv.conf files that serve_fixture puts in /etc/netns/<namespace>/ for dead runs.
for dir in /etc/netns/rpl[0-9]*-*; do
  [ -d "$dir" ] || continue
  owner=${dir#/etc/netns/rpl}
  owner=${owner%%-*}
  if ! kill -0 "$owner" 2>/dev/null; then
    rm -rf "$dir"
  fi
done
rmdir /etc/netns 2>/dev/null

# Scratch directories (dnsmasq pid file, server logs) of dead runs.
for dir in /tmp/rpl[0-9]*-*; do
  [ -d "$dir" ] || continue
  owner=${dir#/tmp/rpl}
  owner=${owner%%-*}
  if ! kill -0 "$owner" 2>/dev/null; then
    rm -rf "$dir"
  fi
done
exit 0
