#!/usr/bin/env python3
"""Load driver for probe_endpoint_bench.sh: GET /probe for many targets at a fixed concurrency.

Runs C workers on one asyncio loop; each keeps one HTTP/1.1 keep-alive connection to the
exporter (as a Prometheus scraper does; --new-connection opens one per request instead) and
takes the next target until all N are done. Every request is

    GET /probe?target=T&module=M HTTP/1.1
    X-Prometheus-Scrape-Timeout-Seconds: S

A probe counts as a success when the answer is 200 and its body has a line `probe_success 1`.
With --pid, the exporter's CPU (utime+stime of /proc/PID/stat, all its threads) is read just
before the first and just after the last measured request, and VmRSS/VmHWM of
/proc/PID/status after the run. With --netstat-pid, the TCP counters of that process's
network namespace (/proc/PID/net/{snmp,netstat}) are read too, e.g. the target namespace's
listener for listen-queue overflows; the driver's own namespace is always read.

Prints one JSON object (stdout, or --json FILE). Usage:

  probe_endpoint_load.py --url http://127.0.0.1:9115 --targets FILE [--concurrency 50]
      [--module tcp_connect] [--scrape-timeout 5] [--request-timeout 15] [--warmup 20]
      [--warmup-targets FILE] [--pid PID] [--netstat-pid PID] [--new-connection]
      [--json FILE] [--samples 3]
"""
import argparse
import asyncio
import json
import os
import resource
import sys
import time
import urllib.parse

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_ticks(pid):
    """(utime, stime) of /proc/PID/stat (fields 14 and 15), all threads, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    return out


def tcp_counters(base):
    out = {}
    for name in ("snmp", "netstat"):
        with open(f"{base}/net/{name}") as f:
            lines = f.read().splitlines()
        for head, vals in zip(lines[0::2], lines[1::2]):
            proto, keys = head.split(":", 1)
            _, values = vals.split(":", 1)
            for k, v in zip(keys.split(), values.split()):
                if proto in ("Tcp", "TcpExt"):
                    out[f"{proto}.{k}"] = int(v)
    return out


class Timeout(Exception):
    pass


class ConnectionClosed(Exception):
    pass


def parse_response(buf, eof):
    """(status, headers, body, consumed) for one complete response in buf, or None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {"_version": lines[0].split()[0]}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    pos = end + 4
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
            if size == 0:
                if buf.find(b"\r\n", eol + 2) != eol + 2:
                    return None  # (no trailers expected)
                return status, headers, bytes(body), eol + 4
            if len(buf) < eol + 2 + size + 2:
                return None
            body += buf[eol + 2:eol + 2 + size]
            pos = eol + 2 + size + 2
    if "content-length" in headers:
        n = int(headers["content-length"])
        if len(buf) < pos + n:
            return None
        return status, headers, bytes(buf[pos:pos + n]), pos + n
    if not eof:
        return None
    headers["connection"] = "close"  # body delimited by the end of the connection
    return status, headers, bytes(buf[pos:]), len(buf)


class Client(asyncio.Protocol):
    """One HTTP/1.1 connection; one request at a time (no pipelining)."""

    def __init__(self):
        self.transport = None
        self.buf = bytearray()
        self.waiter = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def _try(self, eof):
        if self.waiter is None or self.waiter.done():
            return
        try:
            r = parse_response(self.buf, eof)
        except (ValueError, IndexError) as e:
            self.waiter.set_exception(e)
            return
        if r is not None:
            del self.buf[:r[3]]
            self.waiter.set_result(r[:3])
        elif eof:
            self.waiter.set_exception(ConnectionClosed("connection closed before a full response"))

    def data_received(self, data):
        self.buf += data
        self._try(False)

    def eof_received(self):
        self.closed = True
        self._try(True)
        return False

    def connection_lost(self, exc):
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            if exc is not None:
                self.waiter.set_exception(exc)
            else:
                self._try(True)

    def close(self):
        self.closed = True
        if self.transport is not None:
            self.transport.close()


async def request(loop, state, host, port, raw, timeout):
    """Sends raw on the worker's connection (opened when needed); returns (status, body)."""
    if state.get("client") is None or state["client"].closed:
        _, state["client"] = await asyncio.wait_for(
            loop.create_connection(Client, host, port), timeout)
    client = state["client"]
    client.waiter = loop.create_future()
    client.transport.write(raw)
    timer = loop.call_later(timeout, lambda w=client.waiter: w.done() or w.set_exception(
        Timeout(f"no full answer within {timeout} s")))
    try:
        status, headers, body = await client.waiter
    except BaseException:
        client.close()
        raise
    finally:
        timer.cancel()
    if (headers.get("connection", "").lower() == "close" or headers.get("_version") == "HTTP/1.0"
            or b"Connection: close" in raw):
        client.close()
    return status, body


def success_of(status, body):
    if status != 200:
        return False
    return any(line.strip() == b"probe_success 1" for line in body.splitlines())


async def run(targets, args, record_failures):
    loop = asyncio.get_running_loop()
    u = urllib.parse.urlsplit(args.url)
    host, port = u.hostname, u.port or 80
    prefix = u.path.rstrip("/")
    head = (f"HTTP/1.1\r\nHost: {u.netloc}\r\nUser-Agent: probe_endpoint_load\r\n"
            f"Accept: text/plain\r\nX-Prometheus-Scrape-Timeout-Seconds: {args.scrape_timeout}\r\n"
            f"Connection: {'close' if args.new_connection else 'keep-alive'}\r\n\r\n")
    module = urllib.parse.quote(args.module)
    queue = list(reversed(targets))
    durations = []
    results = {"ok": 0, "http_200": 0, "status": {}, "errors": {}}

    async def worker():
        state = {}
        try:
            while queue:
                target = queue.pop()
                raw = (f"GET {prefix}/probe?target={urllib.parse.quote(target, safe=':[]')}"
                       f"&module={module} {head}").encode()
                t0 = time.perf_counter()
                try:
                    status, body = await request(loop, state, host, port, raw, args.request_timeout)
                except (OSError, ConnectionClosed, Timeout, asyncio.TimeoutError, ValueError,
                        IndexError) as e:
                    key = type(e).__name__
                    results["errors"][key] = results["errors"].get(key, 0) + 1
                    record_failures.append({"target": target, "error": f"{key}: {e}"})
                    durations.append(time.perf_counter() - t0)
                    continue
                durations.append(time.perf_counter() - t0)
                results["status"][str(status)] = results["status"].get(str(status), 0) + 1
                if status == 200:
                    results["http_200"] += 1
                if success_of(status, body):
                    results["ok"] += 1
                else:
                    record_failures.append({"target": target, "status": status,
                                            "body": body.decode("utf-8", "replace")})
        finally:
            if state.get("client") is not None:
                state["client"].close()

    await asyncio.gather(*(worker() for _ in range(min(args.concurrency, max(1, len(targets))))))
    return results, durations


def read_lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--targets", required=True)
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--module", default="tcp_connect")
    p.add_argument("--scrape-timeout", default="5")
    p.add_argument("--request-timeout", type=float, default=15.0)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--warmup-targets")
    p.add_argument("--pid", type=int)
    p.add_argument("--netstat-pid", type=int)
    p.add_argument("--new-connection", action="store_true")
    p.add_argument("--samples", type=int, default=3)
    p.add_argument("--json")
    args = p.parse_args()

    targets = read_lines(args.targets)
    warm = read_lines(args.warmup_targets) if args.warmup_targets else targets
    warm = (warm * (args.warmup // max(1, len(warm)) + 1))[: args.warmup]
    out = {"url": args.url, "n": len(targets), "concurrency": args.concurrency,
           "module": args.module, "keep_alive": not args.new_connection}

    loop = asyncio.new_event_loop()
    if warm:  # unmeasured: first-use initialisation in the exporter is not a per-probe cost
        warm_failures = []
        wres, _ = loop.run_until_complete(run(warm, args, warm_failures))
        out["warmup"] = {"n": len(warm), "ok": wres["ok"],
                         "failure_samples": warm_failures[: args.samples]}

    if args.pid:
        before_status = proc_status(args.pid)
        out["rss_kb_before"] = before_status.get("VmRSS")
    net_before = tcp_counters("/proc/self")
    tnet_before = tcp_counters(f"/proc/{args.netstat_pid}") if args.netstat_pid else None
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = proc_cpu_ticks(args.pid) if args.pid else None
    t0 = time.perf_counter()
    failures = []
    res, durations = loop.run_until_complete(run(targets, args, failures))
    t1 = time.perf_counter()
    cpu1 = proc_cpu_ticks(args.pid) if args.pid else None
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    net_after = tcp_counters("/proc/self")
    tnet_after = tcp_counters(f"/proc/{args.netstat_pid}") if args.netstat_pid else None
    loop.close()

    wall = t1 - t0
    out.update(res)
    out["wall"] = wall
    out["probes_per_s"] = len(targets) / wall if wall > 0 else None
    if args.pid:
        st = proc_status(args.pid)
        user, sys_ = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
        out["exporter_cpu_s"] = (user + sys_) / CLK_TCK
        out["exporter_cpu_ms_per_probe"] = (user + sys_) / CLK_TCK * 1000 / len(targets)
        # The kernel's share (sys) includes the softirq work of the lab's veth and loopback
        # that runs on the exporter's syscalls: the part no user-space change removes.
        out["exporter_user_ms_per_probe"] = user / CLK_TCK * 1000 / len(targets)
        out["exporter_sys_ms_per_probe"] = sys_ / CLK_TCK * 1000 / len(targets)
        out["rss_kb"] = st.get("VmRSS")
        out["hwm_kb"] = st.get("VmHWM")
        out["threads"] = st.get("Threads")
    out["driver_cpu_s"] = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    durations.sort()
    if durations:
        out["latency_median_ms"] = durations[len(durations) // 2] * 1000
        out["latency_p99_ms"] = durations[min(len(durations) - 1, int(len(durations) * 0.99))] * 1000
        out["latency_max_ms"] = durations[-1] * 1000
    d = {k: net_after.get(k, 0) - net_before.get(k, 0) for k in net_after}
    out["net"] = {"active_opens": d.get("Tcp.ActiveOpens", 0),
                  "attempt_fails": d.get("Tcp.AttemptFails", 0),
                  "retrans_segs": d.get("Tcp.RetransSegs", 0),
                  "listen_overflows": d.get("TcpExt.ListenOverflows", 0) + d.get("TcpExt.ListenDrops", 0)}
    if tnet_before is not None:
        td = {k: tnet_after.get(k, 0) - tnet_before.get(k, 0) for k in tnet_after}
        out["net"]["target_passive_opens"] = td.get("Tcp.PassiveOpens", 0)
        out["net"]["target_listen_overflows"] = (td.get("TcpExt.ListenOverflows", 0)
                                                 + td.get("TcpExt.ListenDrops", 0))
    out["failures"] = len(failures)
    step = max(1, len(failures) // max(1, args.samples))
    out["failure_samples"] = failures[::step][: args.samples]
    text = json.dumps(out, sort_keys=True)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0 if res["ok"] == len(targets) else 1


if __name__ == "__main__":
    sys.exit(main())
