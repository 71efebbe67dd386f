#!/usr/bin/env python3
"""TCP listeners for the reachprobe lab.

Usage: lab_server.py ADDRESS [MODE:]PORT...
  close   (the default) accept every connection and close it at once
  tarpit  accept every connection, then never send and never close (a hung service)
  http    answer like a real HTTP server: 200 to a request line, and to anything else
          (an SSH client's identification line) "400 Bad Request", then close
Runs in the foreground until killed; the lab fixture owns and kills it.
"""
import socket
import sys
import threading

HTTP_OK = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
           b"Connection: close\r\n\r\nlab http\n")
HTTP_BAD = (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def answer_http(conn: socket.socket) -> None:
    with conn:
        line = conn.makefile("rb").readline(8192)
        words = line.split()
        looks_like_http = len(words) == 3 and words[2].startswith(b"HTTP/")
        conn.sendall(HTTP_OK if looks_like_http else HTTP_BAD)


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
        else:
            threading.Thread(target=answer_http, args=(conn,), daemon=True).start()


def main() -> None:
    address = sys.argv[1]
    threads = []
    for spec in sys.argv[2:]:
        mode, _, port = spec.rpartition(":")
        mode = mode or "close"
        if mode not in ("close", "tarpit", "http"):
            sys.exit(f"lab_server.py: unknown mode {mode!r}")
        threads.append(threading.Thread(target=serve, args=(address, int(port), mode),
                                        daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
