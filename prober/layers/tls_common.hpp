#pragma once
// How a TLS handshake's facts become the tls layer's evidence and reason, shared by the curl
// path (https, grpcs) and the Asio TLS client (tcp tls/starttls, DNS over TLS).
#include <string>

#include "engine/evidence.hpp"
#include "engine/reason.hpp"
#include "net/tls_client.hpp"

namespace reachprobe::layers {

// "TLSv1.3" -> "TLS 1.3", as blackbox's probe_tls_version_info labels it.
std::string blackbox_tls_version(const std::string& openssl);
// An X509_V_ERR_* that means "not signed by anyone we trust".
bool is_untrusted_error(int x509_error);
// OpenSSL's complaint when the peer answered the ClientHello with something that is not TLS.
bool looks_plain_text(const std::string& error);
// Version, cipher, earliest expiry and leaf certificate; `verified` only when checked.
engine::TlsEvidence tls_evidence(const net_io::TlsFacts& facts, bool handshake_done,
                                 bool insecure_skip_verify);
// The reason a certificate was refused, from the chain the verify callback saw; `detail`
// names the error and the certificate. Returns Reason::none when no certificate was faulted.
engine::Reason certificate_reason(const net_io::TlsFacts& facts, std::string& detail);
// The reason an Asio TLS handshake failed.
engine::Reason handshake_failure_reason(const net_io::TlsHandshakeOutcome& outcome,
                                        std::string& detail);

}  // namespace reachprobe::layers
