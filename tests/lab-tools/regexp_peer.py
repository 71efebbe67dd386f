#!/usr/bin/env python3
"""Peers for the regexp differential tests (tests/lab/regexp_differential_test.cpp).

Usage: regexp_peer.py ADDRESS MODE:PORT...
  http   answer GET /body/<name> with 200, the fixed bytes BODIES[name] and the header
         "X-Lab: HEADERS[name]" (404 for an unknown name), then close. These bodies add what
         lab_server.py's do not have: digits, CRLF lines, a vertical tab, invalid UTF-8 (a
         Latin-1 byte), case-folding letters, literal braces, a NUL, non-ASCII digits.
  lines  a line peer for tcp query_response: sends BANNER (lines ending in \\r\\n and in \\n),
         then answers each line the client sends: "ECHO <word>" with "OK <word>", anything else
         with "ERR got <line>". It closes when the client does, or after IDLE_SECONDS without a
         line from it, so an expect that matches no line fails at EOF, not at the probe's
         deadline.
Runs in the foreground until killed; the lab fixture owns and kills it.
"""
import socket
import sys
import threading

BODIES = {
    "digits": b"42 is 042\n",
    "crlf": b"alpha\r\nbeta\r\n",
    "vtab": b"a\x0bb a\tc\n",
    "latin1": b"caf\xe9\n",
    "fold": "\u212aelvin \u017fort\n".encode(),
    "braces": b"x{,3} a{2}\n",
    "nul": b"a\x00b\n",
    "arabic": "\u0664\u0662\n".encode(),
}
HEADERS = {name: "v042-" + name for name in BODIES}

BANNER = (b"220 lab.peer ready\r\n"
          b"Token: abc123 xyz\r\n"
          + "caf\u00e9 \u03b1\u03b2\u03b3\n".encode()
          + b"end\n")
IDLE_SECONDS = 0.5


def read_line(conn: socket.socket, limit: int = 8192) -> bytes:
    """One line without its end (b"" at EOF or when the peer goes away)."""
    data = b""
    while not data.endswith(b"\n") and len(data) < limit:
        try:
            chunk = conn.recv(1)
        except OSError:
            return b""
        if not chunk:
            break
        data += chunk
    return data.rstrip(b"\r\n")


def answer_http(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(5)
        words = read_line(conn).split()
        path = words[1].decode("latin-1") if len(words) == 3 else ""
        name = path[len("/body/"):] if path.startswith("/body/") else ""
        # The rest of the request head: the client waits for its own write to finish.
        while read_line(conn):
            pass
        if name not in BODIES:
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            return
        body = BODIES[name]
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Lab: "
                     + HEADERS[name].encode() + b"\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def answer_lines(conn: socket.socket) -> None:
    try:
        with conn:
            conn.sendall(BANNER)
            conn.settimeout(IDLE_SECONDS)
            while True:
                try:
                    line = read_line(conn)
                except socket.timeout:
                    return
                if not line:
                    return
                words = line.split(b" ")
                if len(words) == 2 and words[0] == b"ECHO":
                    conn.sendall(b"OK " + words[1] + b"\n")
                else:
                    conn.sendall(b"ERR got " + line + b"\n")
    except OSError:
        pass


def serve(address: str, mode: str, port: int) -> None:
    handler = answer_http if mode == "http" else answer_lines
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(64)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    address = sys.argv[1]
    threads = []
    for spec in sys.argv[2:]:
        mode, _, port = spec.partition(":")
        if mode not in ("http", "lines"):
            sys.exit("unknown mode " + mode)
        thread = threading.Thread(target=serve, args=(address, mode, int(port)), daemon=True)
        thread.start()
        threads.append(thread)
    print("listening", flush=True)
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
