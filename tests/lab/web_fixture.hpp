// A real nginx, a real grpc++ health server and hostile HTTP peers in the lab's target
// namespace (198.18.3.2), for running the real reachprobe binary against every TLS, HTTP and
// gRPC failure it must tell apart.
//
// Certificates are made per WebLab with openssl under the lab's scratch directory: a test CA
// (ca_file()), and for web.lab a valid, an expired and an untrusted (second CA) certificate,
// plus a valid one for the wrong name (other.lab). The Lab's dnsmasq resolves web.lab and
// other.lab to 198.18.3.2. Every daemon is spawn()ed through the Lab, which kills it (and what
// it forked) at teardown.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "netns_fixture.hpp"

namespace reachprobe::lab {

// Ports on 198.18.3.2. nginx serves the same locations on all of 80-10443: /health (200 "ok"),
// /broken (500) and / (200 kWebRootBody). The Lab's accept-and-close listeners on 22 and 80
// are stopped to make room for nginx.
inline constexpr int kWebHttp = 80;
inline constexpr int kWebHttps = 443;        // valid web.lab certificate; HTTP/2 by ALPN
inline constexpr int kWebExpired = 8443;     // web.lab, trusted CA, expired 2020-02-01
inline constexpr int kWebWrongName = 9443;   // trusted CA, SAN DNS:other.lab only
inline constexpr int kWebUntrusted = 10443;  // web.lab, signed by a CA the client lacks
inline constexpr int kEndless = 8081;        // 200 without Content-Length, bytes forever
inline constexpr int kDrip = 8082;           // 200, then one body byte per second
inline constexpr int kMidClose = 8083;       // half a response header, then close
inline constexpr int kSmtp = 2525;           // SMTP greeting, EHLO, STARTTLS (web.lab cert)
inline constexpr int kGarbage = 2526;        // a greeting of invalid UTF-8, then close
inline constexpr int kDnsOverTls = 853;      // DNS over TLS (web.lab cert), relayed to dnsmasq
inline constexpr int kGrpcPlain = 50051;     // gRPC health over h2c
inline constexpr int kGrpcTls = 50052;       // gRPC health over TLS, the valid web.lab cert
inline constexpr const char* kWebHost = "web.lab";
inline constexpr const char* kWebIp = "198.18.3.2";
inline constexpr const char* kWebIp6 = "2001:2:0:3::2";  // the plain HTTP server only
inline constexpr const char* kWebRootBody = "reachprobe web lab root\n";
// notAfter of the expired certificate: 2020-02-01T00:00:00Z.
inline constexpr std::int64_t kExpiredNotAfter = 1580515200;

// Empty when the web lab can run here (on top of MissingPrerequisite()); else what is missing.
std::string MissingWebPrerequisite();

// Empty when the gRPC health server was built (grpc++ found at configure time); else why not.
std::string MissingGrpcServer();

class WebLab {
 public:
  // Makes the certificates and nginx's config, starts nginx, the gRPC server (when built) and
  // the hostile peers in the target namespace, and waits until every port accepts. Throws
  // std::runtime_error (with the daemons' logs) when a step fails.
  explicit WebLab(Lab& lab);
  WebLab(const WebLab&) = delete;
  WebLab& operator=(const WebLab&) = delete;

  const std::string& ca_file() const { return ca_file_; }
  // Unix time of the valid web.lab certificate's notAfter (its CA outlives it).
  std::int64_t valid_not_after() const { return valid_not_after_; }

  // curl, run in the prober namespace as an independent witness of what the peers do:
  // `curl -sS --max-time <deadline> --cacert <ca> <args...> <url>` with web.lab and other.lab
  // pinned to 198.18.3.2 (curl does not use the lab's DNS) and no proxy.
  CmdResult Curl(const std::string& url, const std::vector<std::string>& args = {},
                 double max_seconds = 5.0);
  // A gRPC health check with curl: "grpc-status N body HEX" (HEX: the response message, without
  // the 5-byte gRPC frame header; empty for a trailers-only answer), or "curl exit N: stderr".
  std::string CurlGrpcHealth(int port, const std::string& service, bool tls);

  // nginx's, the gRPC server's and the hostile peers' logs, for failure messages.
  std::string Logs() const;

 private:
  void GenerateCertificates();
  void WriteNginxConfig();
  void Start();

  Lab& lab_;
  std::string dir_;  // <lab scratch dir>/web
  std::string ca_file_;
  std::int64_t valid_not_after_ = 0;
};

}  // namespace reachprobe::lab
