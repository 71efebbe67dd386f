#!/usr/bin/env python3
"""Load and hostile clients for `reachprobe serve` (serve_hardening_test).

Usage: serve_load.py PHASE PORT PID [ARGS...]   (prints one JSON object on stdout)
  load TARGET MODULE IDLE PROBES
        opens IDLE idle connections and PROBES concurrent /probe?target=TARGET&module=MODULE
        requests (scrape timeout 10 s), times /-/healthy on fresh connections while they are
        open, closes everything, then reads the exporter's CPU over one second
  disconnect TARGET MODULE CLIENTS
        CLIENTS /probe requests of a tarpit, left running for 1.5 s, then closed: the
        exporter's open descriptors before, while and 1 s after
  limits TARGET MODULE
        a 20 KiB header, a 100 KiB body, garbage, and /probe of a tarpit with a module
        without timeout and scrape timeouts of 1e10, 1e9, inf, nan, -5: the status of each
        (0: no answer in 3 s) and its time
PID is the exporter's process id: its /proc/PID/fd and /proc/PID/stat are read.
"""
import asyncio
import json
import os
import resource
import sys
import time
import urllib.parse

HOST = "127.0.0.1"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def probe_path(target, module):
    return "/probe?" + urllib.parse.urlencode({"target": target, "module": module})


async def request(port, raw, timeout=15.0):
    """Sends raw bytes, returns (status or 0, seconds, error text)."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    except Exception as e:  # refused, reset, timeout: no answer
        return 0, time.monotonic() - started, repr(e)
    try:
        writer.write(raw)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        parts = line.split()
        status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0
        return status, time.monotonic() - started, "" if status else repr(line[:80])
    except Exception as e:
        return 0, time.monotonic() - started, repr(e)
    finally:
        writer.close()


def get(path, headers=""):
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n".encode()


async def healthy_latencies(port, count, gap=0.05):
    out = []
    for _ in range(count):
        status, seconds, error = await request(port, get("/-/healthy"), timeout=5)
        out.append({"status": status, "ms": round(seconds * 1000, 2), "error": error})
        await asyncio.sleep(gap)
    return out


async def load(port, pid, target, module, idle, probes):
    idle_conns = []
    for _ in range(idle):
        try:
            idle_conns.append(await asyncio.wait_for(asyncio.open_connection(HOST, port), 2))
        except Exception:
            pass
    await asyncio.sleep(0.5)
    cpu0 = cpu_seconds(pid)
    await asyncio.sleep(1.0)
    idle_cpu = cpu_seconds(pid) - cpu0
    raw = get(probe_path(target, module), "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n")
    probe_tasks = [asyncio.create_task(request(port, raw, timeout=20)) for _ in range(probes)]
    await asyncio.sleep(1.0)  # every probe request sent, the exporter at its limits
    during = await healthy_latencies(port, 20)
    fds_during = open_fds(pid)
    results = await asyncio.gather(*probe_tasks)
    for _, writer in idle_conns:
        writer.close()
    await asyncio.sleep(1.0)
    cpu1 = cpu_seconds(pid)
    await asyncio.sleep(1.0)
    after_cpu = cpu_seconds(pid) - cpu1
    statuses = {}
    for status, _, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "idle_opened": len(idle_conns),
        "idle_cpu_fraction": idle_cpu,
        "healthy_during": during,
        "healthy_max_ms": max(h["ms"] for h in during),
        "healthy_ok": sum(1 for h in during if h["status"] == 200),
        "fds_during": fds_during,
        "probe_statuses": statuses,
        "cpu_fraction_after": after_cpu,
        "fds_after": open_fds(pid),
    }


async def disconnect(port, pid, target, module, clients):
    before = open_fds(pid)
    raw = get(probe_path(target, module), "X-Prometheus-Scrape-Timeout-Seconds: 30\r\n")
    conns = []
    for _ in range(clients):
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(raw)
        await writer.drain()
        conns.append(writer)
    await asyncio.sleep(1.5)
    during = open_fds(pid)
    closed_at = time.monotonic()
    for writer in conns:
        writer.close()
    # How long until the descriptors are back (polled every 20 ms), and the count at 1 s.
    settle = None
    while time.monotonic() - closed_at < 1.0:
        if settle is None and open_fds(pid) <= before + 1:
            settle = round(time.monotonic() - closed_at, 3)
        await asyncio.sleep(0.02)
    after = open_fds(pid)
    healthy = await healthy_latencies(port, 3)
    return {"before": before, "during": during, "after_1s": after, "settled_s": settle,
            "healthy": [h["status"] for h in healthy]}


async def limits(port, pid, target, module):
    out = {}
    big_header = "X-Big: " + "a" * (20 * 1024) + "\r\n"
    out["header_20k"] = (await request(port, get("/-/healthy", big_header)))[0]
    body = b"b" * (100 * 1024)
    out["body_100k"] = (await request(
        port, b"POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) +
        body))[0]
    out["garbage"] = (await request(port, b"\x16\x03\x01garbage\r\n\r\n"))[0]
    # MODULE has no timeout of its own: the header decides. 1e10 once overflowed into a probe
    # that "timed out" at once; clamped, it is still running when the client gives up at 3 s
    # (and is then cancelled). inf and nan are refused (500); -5 gives the 1 ms minimum.
    for value in ["1e10", "1e9", "inf", "nan", "-5"]:
        raw = get(probe_path(target, module),
                  f"X-Prometheus-Scrape-Timeout-Seconds: {value}\r\n")
        status, seconds, _ = await request(port, raw, timeout=3)
        out["timeout_" + value] = {"status": status, "seconds": round(seconds, 3)}
    out["healthy_after"] = (await request(port, get("/-/healthy")))[0]
    return out


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    phase, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    args = sys.argv[4:]
    if phase == "load":
        result = load(port, pid, args[0], args[1], int(args[2]), int(args[3]))
    elif phase == "disconnect":
        result = disconnect(port, pid, args[0], args[1], int(args[2]))
    elif phase == "limits":
        result = limits(port, pid, args[0], args[1])
    else:
        sys.exit("unknown phase " + phase)
    print(json.dumps(asyncio.run(result)))


if __name__ == "__main__":
    main()
