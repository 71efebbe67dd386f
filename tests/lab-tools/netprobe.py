#!/usr/bin/env python3
"""Independent network probes for the reachprobe lab.

The lab tests use these to check that a fault really does what the scenario claims (so a
wrong verdict can be told apart from a broken lab). Each prints one canonical line:

  netprobe.py tcp HOST PORT [--ttl N] [--timeout S]
      connected | timeout | refused (a TCP RST) | icmp TYPE/CODE from ADDRESS
  netprobe.py dns SERVER NAME [--type A|AAAA] [--timeout S]
      rcode N answers M | timeout | port unreachable
  netprobe.py http HOST PORT [--timeout S]
      closed|timeout in headers after N bytes | closed|timeout after headers and N body bytes
      (GET / over HTTP/1.1 read raw: unlike curl, which takes a response cut inside its
      headers for a complete one, this tells where the stream ended)
  netprobe.py sockets
      raw ok|EPERM|... dgram ok|EACCES|...   (which ICMP sockets this process may open)
  netprobe.py wait --tcp HOST:PORT... --dns SERVER NAME [--timeout S]
      ready | exit 1 with what did not answer; retries until everything answers
"""
import argparse
import errno
import random
import select
import socket
import struct
import sys
import time

IP_RECVERR = 11  # not exported by the socket module
IPV6_RECVERR = 25


def tcp_probe(host, port, ttl=None, timeout=1.0):
    v6 = ":" in host
    sock = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    if v6:
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
    else:
        sock.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    if ttl and v6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
    elif ttl:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    try:
        sock.connect((host, port))
    except BlockingIOError:
        pass
    _, writable, _ = select.select([], [sock], [], timeout)
    if not writable:
        return "timeout"
    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err == 0:
        return "connected"
    try:
        _, ancdata, _, _ = sock.recvmsg(512, 512, socket.MSG_ERRQUEUE)
    except OSError:
        ancdata = []
    for _, _, data in ancdata:
        # struct sock_extended_err, then the offender's sockaddr_in(6) (SO_EE_OFFENDER).
        _, _, icmp_type, icmp_code, _, _, _ = struct.unpack("=IBBBBII", data[:16])
        if v6:
            offender = socket.inet_ntop(socket.AF_INET6, data[24:40])
        else:
            offender = socket.inet_ntoa(data[20:24])
        return f"icmp {icmp_type}/{icmp_code} from {offender}"
    if err == errno.ECONNREFUSED:
        return "refused"
    return f"error {errno.errorcode.get(err, err)}"


def encode_name(name):
    return b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"


def dns_query(server, name, qtype="A", timeout=1.0):
    qtype_code = {"A": 1, "AAAA": 28}[qtype]
    query_id = random.randrange(65536)
    packet = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0)
    packet += encode_name(name) + struct.pack(">HH", qtype_code, 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Connected, so an ICMP port-unreachable (server not bound yet) fails fast.
    sock.connect((server, 53))
    sock.send(packet)
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            reply = sock.recv(4096)
        except socket.timeout:
            return "timeout"
        except ConnectionRefusedError:
            return "port unreachable"
        reply_id, flags, _, answers = struct.unpack(">HHHH", reply[:8])
        if reply_id == query_id:
            return f"rcode {flags & 0xF} answers {answers}"


def http_probe(host, port, timeout=1.0):
    deadline = time.monotonic() + timeout
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    head = b""  # up to the end of the headers; the body is only counted (it may be endless)
    body_bytes = 0
    end = "timeout"
    while time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            end = "closed"
            break
        if b"\r\n\r\n" in head:
            body_bytes += len(chunk)
        else:
            head += chunk
            if b"\r\n\r\n" in head:
                body_bytes = len(head) - head.index(b"\r\n\r\n") - 4
    if b"\r\n\r\n" not in head:
        return f"{end} in headers after {len(head)} bytes"
    return f"{end} after headers and {body_bytes} body bytes"


def socket_permissions():
    out = []
    for label, kind in (("raw", socket.SOCK_RAW), ("dgram", socket.SOCK_DGRAM)):
        try:
            socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP).close()
            out.append(f"{label} ok")
        except OSError as e:
            out.append(f"{label} {errno.errorcode.get(e.errno, e.errno)}")
    return " ".join(out)


def wait_ready(tcp_targets, dns, timeout):
    deadline = time.monotonic() + timeout
    while True:
        missing = []
        for target in tcp_targets:
            host, port = target.rsplit(":", 1)
            host = host.strip("[]")
            if tcp_probe(host, int(port), timeout=0.2) != "connected":
                missing.append(f"tcp {target}")
        if dns and not dns_query(dns[0], dns[1], timeout=0.2).startswith("rcode 0 answers 1"):
            missing.append(f"dns {dns[1]} at {dns[0]}")
        if not missing:
            return "ready"
        if time.monotonic() > deadline:
            print("not ready: " + ", ".join(missing))
            sys.exit(1)
        time.sleep(0.02)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    tcp = sub.add_parser("tcp")
    tcp.add_argument("host")
    tcp.add_argument("port", type=int)
    tcp.add_argument("--ttl", type=int)
    tcp.add_argument("--timeout", type=float, default=1.0)
    dns = sub.add_parser("dns")
    dns.add_argument("server")
    dns.add_argument("name")
    dns.add_argument("--type", default="A", choices=["A", "AAAA"])
    dns.add_argument("--timeout", type=float, default=1.0)
    http = sub.add_parser("http")
    http.add_argument("host")
    http.add_argument("port", type=int)
    http.add_argument("--timeout", type=float, default=1.0)
    sub.add_parser("sockets")
    wait = sub.add_parser("wait")
    wait.add_argument("--tcp", nargs="*", default=[])
    wait.add_argument("--dns", nargs=2, metavar=("SERVER", "NAME"))
    wait.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    if args.cmd == "tcp":
        print(tcp_probe(args.host, args.port, args.ttl, args.timeout))
    elif args.cmd == "dns":
        print(dns_query(args.server, args.name, args.type, args.timeout))
    elif args.cmd == "http":
        print(http_probe(args.host, args.port, args.timeout))
    elif args.cmd == "sockets":
        print(socket_permissions())
    else:
        print(wait_ready(args.tcp, args.dns, args.timeout))


if __name__ == "__main__":
    main()
