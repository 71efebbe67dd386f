"""Python pieces shared by the benchmark scripts' helpers (see lib.sh).

lib.sh copies this file into each run's temporary directory, beside the helper.py that a
script writes there, so a helper imports it with a plain `import benchlib` (no PYTHONPATH:
the measured tools' environment stays as it was).

As a program it is the AnyIP lab's TCP/22 listener and its check:
  benchlib.py listen READY_FILE   accept (and close at once) on 0.0.0.0:22 for ever
  benchlib.py verify ADDR...      connect to ADDR:22 for each ADDR; prints "ok"
"""
import json
import socket
import sys


def listener(ready_file):
    """One listener for every address the target namespace owns: with
    `ip route add local 198.19.0.0/16 dev lo` (AnyIP) the kernel delivers connections to
    all of them to a socket bound to INADDR_ANY. The backlog is the largest the raised
    somaxconn allows, so a burst of handshakes is not dropped by the listener."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 22))  # local-route (AnyIP) addresses are delivered to INADDR_ANY
    s.listen(65535)
    with open(ready_file, "w") as f:
        f.write("ready\n")
    while True:
        c, _ = s.accept()
        c.close()


def verify(addrs):
    """Fails (traceback, non-zero exit) unless every ADDR:22 accepts a connection."""
    for a in addrs:
        with socket.create_connection((a, 22), timeout=3):
            pass
    print("ok")


def fmt(x, spec):
    """A figure for a report table, or "n/a" where it could not be measured."""
    return "n/a" if x is None else format(x, spec)


def load(files):
    """The records (one JSON file each) a report is made of, in the order given."""
    recs = []
    for path in files:
        with open(path) as f:
            recs.append(json.load(f))
    return recs


def header(hdr):
    """A report table's heading: a blank line, the column titles, a rule as wide."""
    print()
    print(hdr)
    print("-" * len(hdr))


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listener(sys.argv[2])
    elif sys.argv[1] == "verify":
        verify(sys.argv[2:])
