#pragma once
// A TLS client on the io_context for the probes that speak TLS over their own TCP
// connection: tcp modules with `tls` or `starttls`, and DNS over TLS. (https and grpcs go
// through curl instead.)
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "net/cert_facts.hpp"
#include "targets/web_spec.hpp"

namespace reachprobe::net_io {

// The context lives beside the stream: the stream's SSL object was made from it.
struct TlsConnection {
  // The context must be fully configured first: an SSL object copies the verify mode,
  // versions and client certificate of its context when it is made.
  TlsConnection(net::ip::tcp::socket socket, net::ssl::context configured);
  net::ssl::context context;
  net::ssl::stream<net::ip::tcp::socket> stream;
  std::vector<CertFacts> chain;  // filled by the verify callback during the handshake
};

struct TlsHandshakeOutcome {
  std::unique_ptr<TlsConnection> connection;  // the TLS connection; null if the handshake failed
  bool timed_out = false;
  std::string error;  // OpenSSL's (or the config's) complaint, empty on success
  TlsFacts facts;     // version, cipher, chain, verify result
  std::chrono::nanoseconds elapsed{0};
};

// Runs a client handshake over `socket` as Go's crypto/tls would for blackbox: verification
// against tls_config.ca_file (else the system store) unless insecure_skip_verify, SNI and
// name check against tls_config.server_name or else `default_server_name`, TLS 1.2 minimum
// unless min_version says otherwise.
net::awaitable<TlsHandshakeOutcome> tls_handshake(net::ip::tcp::socket socket,
                                                  const targets::TlsSpec& spec,
                                                  const std::string& default_server_name,
                                                  engine::Deadline deadline);

}  // namespace reachprobe::net_io
