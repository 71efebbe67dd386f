# reachprobe host triage (CONTRACT §8): run by `sh -c` over an SSH session after login.
#
# Read-only: it only reads /proc and asks `ip`, `getent`, `stat` and `dmesg`; it writes nothing,
# installs nothing and needs no root. POSIX sh (dash, bash, busybox ash). Every step that can
# block is wrapped in `timeout`; without a `timeout` command those steps are "not measured"
# rather than risked. A missing tool is "not measured", never a failure.
#
# Output: lines "rpt <key> <fields...>", which triage_parser.cpp owns; anything else (a noisy
# shell rc file, say) is ignored by the parser. Arguments: $1 the client address and $2 the
# server address to check the return route of (empty: from SSH_CONNECTION), $3 a nonce the
# begin and end markers carry, so no text the target prints can end the output early. Text
# from the target (process names, HOME) is printed with printf, control bytes removed.
#
# Reviewed as code: keep every command read-only and bounded.

PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export LC_ALL=C
nonce=${3:-0}
out() { printf 'rpt %s\n' "$*"; }
clean() { printf '%s' "$1" | tr -d '\000-\037\177'; }
out "begin 1 $nonce"
set -- "${1:-}" "${2:-}"
out "conn ${SSH_CONNECTION:-}"
client=$1
server=$2
if [ -z "$client" ] || [ -z "$server" ]; then
  # SSH_CONNECTION: "client_ip client_port server_ip server_port"
  set -- ${SSH_CONNECTION:-} "" "" "" ""
  [ -n "$client" ] || client=$1
  [ -n "$server" ] || server=$3
fi
out "route_for $client $server"

have() { command -v "$1" >/dev/null 2>&1; }
# Centiseconds since boot: /proc/uptime always has two decimals; no fork, no GNU date.
now() { read -r rpt_up rpt_rest < /proc/uptime; rpt_int=${rpt_up%.*}; rpt_frac=${rpt_up#*.}; echo "${rpt_int:-0}${rpt_frac:-0}"; }
skip() { out "skip $1 $2"; }

T=""
if have timeout; then
  if timeout 1 true 2>/dev/null; then T="timeout -s KILL"; elif timeout -t 1 true 2>/dev/null; then T="timeout -s KILL -t"; fi
fi
[ -n "$T" ] || skip timeout "no usable timeout command: blocking steps not measured"

# Tasks in uninterruptible sleep (D) in two samples 0.3 s apart: a passing disk read is not a
# stuck task. Sampled before this script's own stats start, which may block on a hung mount.
# The state follows the last ") " of /proc/PID/stat (comm may hold spaces).
dscan() {
  for f in /proc/[0-9]*/stat; do
    { read -r l < "$f"; } 2>/dev/null || continue
    case ${l##*) } in D*) p=${f#/proc/}; echo "${p%/stat}" ;; esac
  done
}
first=" $(echo $(dscan)) "
sleep 0.3 2>/dev/null || sleep 1
n=0
for p in $(dscan); do
  case $first in *" $p "*) ;; *) continue ;; esac
  n=$((n + 1))
  [ "$n" -le 20 ] || continue
  w=$(clean "$(cat "/proc/$p/wchan" 2>/dev/null)")
  c=$(clean "$(cat "/proc/$p/comm" 2>/dev/null)")
  out "dstate $p ${w:--} ${c:-?}"
done
out "dcount $n"

# Mounts next, in the background, each stat in parallel: a hung mount costs 2 s once.
# Network and FUSE filesystems, and the home directory, must answer a statfs in 2 s.
user=${USER:-$(id -un 2>/dev/null)}
home=${HOME:-}
out "user $(clean "$user") $(clean "$home")"
rpt_mounts=0
if [ -r /proc/mounts ]; then
  while read -r dev mp fs rest; do
    case $fs in
      nfs|nfs4|cifs|smb3|smbfs|fuse|fuse.*|fuseblk|9p|ceph|glusterfs|lustre|afs|davfs|virtiofs|ncpfs|gfs2|ocfs2)
        rpt_mounts=$((rpt_mounts + 1))
        [ "$rpt_mounts" -le 16 ] || continue
        out "mount $fs $mp"
        if [ -n "$T" ]; then
          ( p=$(printf '%b' "$mp"); s=$(now); $T 2 stat -f "$p" >/dev/null 2>&1; rc=$?; e=$(now)
            out "stat $rc $((e - s)) $mp" ) &
        fi
        ;;
    esac
  done < /proc/mounts
  [ "$rpt_mounts" -le 16 ] || out "mounts_total $rpt_mounts"
else
  skip mounts "/proc/mounts not readable"
fi
if [ -n "$T" ] && [ -n "$home" ]; then
  ( s=$(now); $T 2 stat -f "$home" >/dev/null 2>&1; rc=$?; e=$(now); out "home $rc $((e - s))" ) &
fi
# How long the name service takes to answer for the login user (LDAP/SSSD hangs show here),
# in the background too: its 5 s must not add to the steps below.
if have getent && [ -n "$T" ] && [ -n "$user" ]; then
  ( s=$(now); $T 5 getent passwd "$user" >/dev/null 2>&1; rc=$?; e=$(now); out "nss $rc $((e - s))" ) &
else
  skip nss "no getent or no timeout"
fi

# The return route: where a reply to the client leaves, with the server address as source,
# against the interface that holds that address.
# Only the entries asked about, so a node with thousands of addresses or neighbours stays small.
if have ip && [ -n "$T" ]; then
  if [ -n "$client" ] && [ -n "$server" ]; then
    $T 2 ip route get "$client" from "$server" 2>&1 | while read -r l; do out "route $l"; done
    $T 2 ip -o addr show to "$server" 2>&1 | while read -r l; do out "addr $l"; done
  fi
  $T 2 ip neigh show nud failed nud incomplete 2>&1 | while read -r l; do out "neigh $l"; done
else
  skip route "no ip command or no timeout"
  if [ -r /proc/net/arp ]; then
    while read -r l; do out "arp $l"; done < /proc/net/arp
  else
    skip neigh "no ip command and no /proc/net/arp"
  fi
fi

# Pressure stall information, load against CPUs.
for r in cpu memory io; do
  if [ -r "/proc/pressure/$r" ]; then
    while read -r l; do out "psi $r $l"; done < "/proc/pressure/$r"
  else
    skip "psi_$r" "/proc/pressure/$r not readable"
  fi
done
if [ -r /proc/loadavg ]; then read -r l1 l5 l15 rest < /proc/loadavg; out "load $l1 $l5 $l15"; fi
cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo 2>/dev/null)
out "cpus ${cpus:-}"

# Hung-task reports of the kernel, where dmesg is readable (dmesg_restrict often says no).
read -r up rest < /proc/uptime
out "uptime $up"
if have dmesg && [ -n "$T" ]; then
  if log=$($T 2 dmesg 2>/dev/null); then
    printf '%s\n' "$log" | grep 'blocked for more than' | tail -n 5 | while read -r l; do out "hung $(clean "$l")"; done
  else
    skip hung "dmesg not readable"
  fi
else
  skip hung "no dmesg"
fi

wait
out "end $nonce"
