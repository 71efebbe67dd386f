#!/usr/bin/env python3
"""TCP listeners for the reachprobe lab.

Usage: lab_server.py ADDRESS [MODE:]PORT...
  close    (the default) accept every connection and close it at once
  tarpit   accept every connection, then never send and never close (a hung service)
  http     answer like a real HTTP server: 200 to a request line, and to anything else
           (an SSH client's identification line) "400 Bad Request", then close
  endless  after the request, a 200 without Content-Length, then body bytes as fast as the
           client takes them, forever (a body that never ends)
  drip     after the request, a 200 with a 1 MB Content-Length, then one body byte per second
  midclose after the request, half of a response header, then close
  smtp     a mail server's greeting ("220 lab.smtp ESMTP"), then EHLO, STARTTLS (with the
           certificate in $LAB_TLS_CERT/$LAB_TLS_KEY), and QUIT, answered as SMTP does; over TLS
           EHLO answers "250 lab.smtp secure"
  garbage  a greeting of invalid UTF-8 and control bytes, then close (a hostile banner)
  dot      DNS over TLS (RFC 7858) with the same certificate: each query is relayed over UDP
           to the lab's dnsmasq (198.18.1.1:53) and its answer returned
  redirect-ip, redirect-name, redirect-in
           answer every request with "302 Found" to http://198.18.2.2:8083/ (an address),
           http://rebind.lab:8083/ (a name resolving to 198.18.2.2) or http://web.lab:8083/
           (a name resolving to 198.18.3.2): the allow-list tests' redirect hops
  body     answer GET /body/<name> with 200 and the fixed body BODIES[name] (404 for an
           unknown name), with header "X-Lab: <name>": the regexp differential tests' bodies
Runs in the foreground until killed; the lab fixture owns and kills it.
"""
import os
import socket
import ssl
import sys
import threading
import time

HTTP_OK = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
           b"Connection: close\r\n\r\nlab http\n")
HTTP_BAD = (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
ENDLESS_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                b"Connection: close\r\n\r\n")
DRIP_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n"
             b"Connection: close\r\n\r\n")
# Cut inside a header line: no client can take this for a complete response.
MIDCLOSE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/pl"
HOSTILE_MODES = ("endless", "drip", "midclose")
REDIRECTS = {
    "redirect-ip": "http://198.18.2.2:8083/",
    "redirect-name": "http://rebind.lab:8083/",
    "redirect-in": "http://web.lab:8083/",
}


# Fixed bodies for the regexp differential tests: multi-line, mixed case, Unicode.
BODIES = {
    "plain": "lab http\n",
    "multi": "first line\nSecond Line 42\nlast_word\n",
    "unicode": "caf\u00e9 \u03b1\u03b2\u03b3 word\n",
    "letters": "ABC abc A*B\n",
}


def answer_body(conn: socket.socket) -> None:
    with conn:
        line = conn.makefile("rb").readline(8192)
        words = line.split()
        path = words[1].decode("latin-1") if len(words) == 3 else ""
        name = path[len("/body/"):] if path.startswith("/body/") else ""
        if name not in BODIES:
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            return
        body = BODIES[name].encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     b"X-Lab: " + name.encode() + b"\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def answer_http(conn: socket.socket) -> None:
    with conn:
        line = conn.makefile("rb").readline(8192)
        words = line.split()
        looks_like_http = len(words) == 3 and words[2].startswith(b"HTTP/")
        conn.sendall(HTTP_OK if looks_like_http else HTTP_BAD)


def answer_redirect(conn: socket.socket, location: str) -> None:
    with conn:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + location.encode() +
                     b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def read_request_head(conn: socket.socket) -> None:
    """Reads until the blank line that ends a request's headers (or EOF, or 64 KiB)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk


def answer_hostile(conn: socket.socket, mode: str) -> None:
    # The client going away (reset, broken pipe) is the normal end of endless and drip.
    try:
        with conn:
            read_request_head(conn)
            if mode == "midclose":
                conn.sendall(MIDCLOSE_HEAD)
            elif mode == "endless":
                conn.sendall(ENDLESS_HEAD)
                block = b"x" * 65536
                while True:
                    conn.sendall(block)
            else:
                conn.sendall(DRIP_HEAD)
                while True:
                    conn.sendall(b"x")
                    time.sleep(1)
    except OSError:
        pass


def answer_smtp(conn: socket.socket) -> None:
    """Just enough SMTP for a query_response conversation with STARTTLS (RFC 3207)."""
    try:
        conn.sendall(b"220 lab.smtp ESMTP ready\r\n")
        reader = conn.makefile("rb")
        secure = False
        while True:
            line = reader.readline(4096)
            if not line:
                return
            verb = line.strip().upper()
            if verb.startswith(b"EHLO"):
                conn.sendall(b"250-lab.smtp\r\n250 " + (b"secure" if secure else b"STARTTLS") +
                             b"\r\n")
            elif verb == b"STARTTLS" and not secure:
                conn.sendall(b"220 go ahead\r\n")
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(os.environ["LAB_TLS_CERT"], os.environ["LAB_TLS_KEY"])
                conn = context.wrap_socket(conn, server_side=True)
                reader = conn.makefile("rb")
                secure = True
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"502 unknown command\r\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def recv_exactly(conn, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return b""
        data += chunk
    return data


def answer_dot(conn: socket.socket) -> None:
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.environ["LAB_TLS_CERT"], os.environ["LAB_TLS_KEY"])
        with context.wrap_socket(conn, server_side=True) as tls:
            while True:
                head = recv_exactly(tls, 2)
                if not head:
                    return
                query = recv_exactly(tls, int.from_bytes(head, "big"))
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
                    upstream.settimeout(2)
                    upstream.sendto(query, ("198.18.1.1", 53))
                    answer, _ = upstream.recvfrom(65535)
                tls.sendall(len(answer).to_bytes(2, "big") + answer)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def serve(address: str, port: int, mode: str) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(128)
    held = []  # tarpit connections: kept referenced so they are never closed
    while True:
        conn, _ = sock.accept()
        if mode == "close":
            conn.close()
        elif mode == "tarpit":
            held.append(conn)
        elif mode == "smtp":
            threading.Thread(target=answer_smtp, args=(conn,), daemon=True).start()
        elif mode == "garbage":
            with conn:
                conn.sendall(b"\xff\xfe\xc3 bin\x00ary \x1b[31m gr\xe9eting\r\n")
        elif mode == "dot":
            threading.Thread(target=answer_dot, args=(conn,), daemon=True).start()
        elif mode == "body":
            threading.Thread(target=answer_body, args=(conn,), daemon=True).start()
        elif mode in HOSTILE_MODES:
            threading.Thread(target=answer_hostile, args=(conn, mode), daemon=True).start()
        elif mode in REDIRECTS:
            threading.Thread(target=answer_redirect, args=(conn, REDIRECTS[mode]),
                             daemon=True).start()
        else:
            threading.Thread(target=answer_http, args=(conn,), daemon=True).start()


def main() -> None:
    address = sys.argv[1]
    threads = []
    for spec in sys.argv[2:]:
        mode, _, port = spec.rpartition(":")
        mode = mode or "close"
        known = ("close", "tarpit", "http", "smtp", "dot", "garbage", "body") + HOSTILE_MODES
        if mode not in known + tuple(REDIRECTS):
            sys.exit(f"lab_server.py: unknown mode {mode!r}")
        threads.append(threading.Thread(target=serve, args=(address, int(port), mode),
                                        daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
