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
  pop3s    POP3 over TLS from the first byte (the $LAB_TLS_CERT certificate): greeting
           "+OK lab POP3 ready", then "+OK bye" to QUIT and "-ERR" to anything else
  irc      after NICK and USER, "PING :lab-token-42"; after "PONG lab-token-42" the welcome
           ":lab.irc 001 prober :welcome" (the IRC registration blackbox's irc_banner expects)
  imap     IMAP greeting "* OK [CAPABILITY IMAP4rev1 STARTTLS] ...", STARTTLS (same
           certificate), then CAPABILITY and LOGOUT answered as IMAP does
  smtpauth like smtp, but EHLO answers with a multi-line list, "250-STARTTLS" before TLS and
           "250-AUTH PLAIN LOGIN" after it (what the example smtp_starttls module expects)
  sshbanner an SSH identification line "SSH-2.0-lab_server", then reads one line and closes
  examples the HTTP peer for blackbox's example.yml modules: Host "login.example.com" needs
           basic auth username:mysecret (401 otherwise); /gzip is gzip-encoded when the request
           accepts gzip, /gzip-always whatever it accepts; /cookie sets a cookie; anything else is 200 with a body containing
           "Download the latest version here", plus "Access-Control-Allow-Origin: example.com"
           when the Host is vhost.example.com. Any method; a request body is read first
  proxy    a forward HTTP proxy for absolute-URI requests ("GET http://host:port/path"), to
           lab addresses (198.18.0.0/15) only; logs "proxied METHOD URL" per request
Runs in the foreground until killed; the lab fixture owns and kills it.
"""
import base64
import gzip
import ipaddress
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


def tls_server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.environ["LAB_TLS_CERT"], os.environ["LAB_TLS_KEY"])
    return context


def answer_pop3s(conn: socket.socket) -> None:
    try:
        with tls_server_context().wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"+OK lab POP3 ready\r\n")
            reader = tls.makefile("rb")
            while True:
                line = reader.readline(4096)
                if not line:
                    return
                if line.strip().upper() == b"QUIT":
                    tls.sendall(b"+OK bye\r\n")
                    return
                tls.sendall(b"-ERR unknown command\r\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


IRC_TOKEN = b"lab-token-42"


def answer_irc(conn: socket.socket) -> None:
    try:
        with conn:
            reader = conn.makefile("rb")
            seen = set()
            while True:
                line = reader.readline(4096)
                if not line:
                    return
                words = line.strip().split(b" ", 1)
                verb = words[0].upper() if words else b""
                if verb in (b"NICK", b"USER"):
                    seen.add(verb)
                    if seen == {b"NICK", b"USER"}:
                        conn.sendall(b"PING :" + IRC_TOKEN + b"\r\n")
                elif line.strip() == b"PONG " + IRC_TOKEN:
                    conn.sendall(b":lab.irc 001 prober :welcome to the lab\r\n")
                elif verb == b"QUIT":
                    return
                else:
                    conn.sendall(b":lab.irc 421 prober :unknown command\r\n")
    except OSError:
        pass


def answer_imap(conn: socket.socket) -> None:
    try:
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] lab IMAP ready\r\n")
        reader = conn.makefile("rb")
        secure = False
        while True:
            line = reader.readline(4096)
            if not line:
                return
            tag, _, command = line.strip().partition(b" ")
            command = command.upper()
            if command == b"STARTTLS" and not secure:
                conn.sendall(tag + b" OK begin TLS negotiation now\r\n")
                conn = tls_server_context().wrap_socket(conn, server_side=True)
                reader = conn.makefile("rb")
                secure = True
            elif command == b"CAPABILITY":
                conn.sendall(b"* CAPABILITY IMAP4rev1 " +
                             (b"AUTH=PLAIN" if secure else b"STARTTLS") + b"\r\n" + tag +
                             b" OK CAPABILITY completed\r\n")
            elif command == b"LOGOUT":
                conn.sendall(b"* BYE\r\n" + tag + b" OK LOGOUT completed\r\n")
                return
            else:
                conn.sendall(tag + b" BAD unknown command\r\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def answer_smtpauth(conn: socket.socket) -> None:
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
                offer = b"250-AUTH PLAIN LOGIN\r\n" if secure else b"250-STARTTLS\r\n"
                conn.sendall(b"250-lab.smtp\r\n" + offer + b"250 8BITMIME\r\n")
            elif verb == b"STARTTLS" and not secure:
                conn.sendall(b"220 go ahead\r\n")
                conn = tls_server_context().wrap_socket(conn, server_side=True)
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


def answer_sshbanner(conn: socket.socket) -> None:
    try:
        with conn:
            conn.sendall(b"SSH-2.0-lab_server\r\n")
            conn.makefile("rb").readline(4096)
    except OSError:
        pass


def read_request(conn: socket.socket):
    """(request line, {lower-case header: value}, body) of one HTTP/1.x request."""
    reader = conn.makefile("rb")
    request_line = reader.readline(8192).strip()
    headers = {}
    while True:
        line = reader.readline(8192)
        if not line or line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or "0")
    body = reader.read(length) if length > 0 else b""
    return request_line, headers, body


EXAMPLE_BODY = b"lab examples: Download the latest version here\n"
LOGIN_AUTH = "Basic " + base64.b64encode(b"username:mysecret").decode()


def http_response(status: str, headers: list, body: bytes) -> bytes:
    head = "HTTP/1.1 " + status + "\r\n" + "".join(h + "\r\n" for h in headers)
    head += "Content-Length: " + str(len(body)) + "\r\nConnection: close\r\n\r\n"
    return head.encode() + body


def answer_examples(conn: socket.socket) -> None:
    try:
        with conn:
            request_line, headers, _ = read_request(conn)
            words = request_line.split()
            path = words[1].decode("latin-1") if len(words) == 3 else ""
            host = headers.get("host", "").split(":")[0].lower()
            plain = ["Content-Type: text/plain"]
            if host == "login.example.com":
                if headers.get("authorization", "") == LOGIN_AUTH:
                    conn.sendall(http_response("200 OK", plain, b"welcome, username\n"))
                else:
                    conn.sendall(http_response("401 Unauthorized",
                                               plain + ['WWW-Authenticate: Basic realm="lab"'],
                                               b"who are you?\n"))
            elif path in ("/gzip", "/gzip-always"):
                accepted = "gzip" in headers.get("accept-encoding", "").lower()
                if accepted or path == "/gzip-always":
                    conn.sendall(http_response("200 OK", plain + ["Content-Encoding: gzip"],
                                               gzip.compress(EXAMPLE_BODY * 4)))
                else:
                    conn.sendall(http_response("200 OK", plain, EXAMPLE_BODY * 4))
            elif path == "/cookie":
                conn.sendall(http_response("200 OK", plain + ["Set-Cookie: lab=1"], EXAMPLE_BODY))
            else:
                cors = ["Access-Control-Allow-Origin: example.com"]
                conn.sendall(http_response("200 OK",
                                           plain + (cors if host == "vhost.example.com" else []),
                                           EXAMPLE_BODY))
    except OSError:
        pass


def lab_address(host: str, port: int):
    """The first lab (198.18.0.0/15) address of host, or None."""
    for *_, sockaddr in socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM):
        if ipaddress.ip_address(sockaddr[0]) in ipaddress.ip_network("198.18.0.0/15"):
            return sockaddr
    return None


def answer_proxy(conn: socket.socket) -> None:
    try:
        with conn:
            request_line, headers, body = read_request(conn)
            words = request_line.decode("latin-1").split()
            if len(words) != 3 or not words[1].startswith("http://"):
                conn.sendall(http_response("400 Bad Request", [], b"absolute http URI only\n"))
                return
            method, url, _ = words
            authority, _, path = url[len("http://"):].partition("/")
            host, _, port = authority.partition(":")
            try:
                upstream_address = lab_address(host, int(port or "80"))
            except (OSError, ValueError):
                upstream_address = None
            print("proxied", method, url, flush=True)
            if upstream_address is None:
                conn.sendall(http_response("502 Bad Gateway", [], b"not a lab address\n"))
                return
            head = method + " /" + path + " HTTP/1.1\r\n"
            for name, value in headers.items():
                if name not in ("connection", "proxy-connection", "keep-alive"):
                    head += name + ": " + value + "\r\n"
            head += "Connection: close\r\n\r\n"
            with socket.create_connection(upstream_address, timeout=5) as upstream:
                upstream.sendall(head.encode("latin-1") + body)
                while True:
                    chunk = upstream.recv(65536)
                    if not chunk:
                        return
                    conn.sendall(chunk)
    except OSError:
        pass


PEER_MODES = {
    "pop3s": answer_pop3s,
    "irc": answer_irc,
    "imap": answer_imap,
    "smtpauth": answer_smtpauth,
    "sshbanner": answer_sshbanner,
    "examples": answer_examples,
    "proxy": answer_proxy,
}


def serve(address: str, port: int, mode: str) -> None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
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
        elif mode in PEER_MODES:
            threading.Thread(target=PEER_MODES[mode], args=(conn,), daemon=True).start()
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
        if mode not in known + tuple(REDIRECTS) + tuple(PEER_MODES):
            sys.exit(f"lab_server.py: unknown mode {mode!r}")
        threads.append(threading.Thread(target=serve, args=(address, int(port), mode),
                                        daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
