#!/usr/bin/env python3
"""TCP listeners for the reachprobe lab: accept every connection and close it at once.

Usage: lab_server.py ADDRESS PORT...
Runs in the foreground until killed; the lab fixture owns and kills it.
"""
import socket
import sys
import threading


def serve(address: str, port: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(128)
    while True:
        conn, _ = sock.accept()
        conn.close()


def main() -> None:
    address = sys.argv[1]
    threads = [threading.Thread(target=serve, args=(address, int(p)), daemon=True)
               for p in sys.argv[2:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
