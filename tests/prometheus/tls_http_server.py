#!/usr/bin/env python3
"""An HTTPS server for the dashboard lab test: `tls_http_server.py ADDRESS PORT CERT KEY`.

Answers every GET with 200 "ok". The TLS handshake runs in the connection's own thread
(do_handshake_on_connect=False), so a client that connects and stalls cannot block accept().
"""

import http.server
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    address, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    server = http.server.ThreadingHTTPServer((address, port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    print(f"listening on {address}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
