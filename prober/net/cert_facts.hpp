#pragma once
// What a TLS handshake showed of the server's certificates, gathered by OpenSSL's verify
// callback so that it is known also when verification fails. Shared by the curl transfers
// (https, grpcs) and the Asio TLS client (tcp tls/starttls, DNS over TLS).
#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reachprobe::net_io {

struct CertFacts {
  int depth = 0;
  std::string subject;
  std::string issuer;
  std::vector<std::string> sans;
  std::int64_t not_after = 0;   // unix seconds
  std::string subject_rfc2253;  // "CN=web.lab", as Go prints a pkix.Name
  std::string issuer_rfc2253;
  std::vector<std::string> dns_names;
  std::string fingerprint_sha256;  // lower-case hex of the DER certificate
  int verify_error = 0;            // X509_V_ERR_* OpenSSL reported at this depth, 0 if none
};

struct TlsFacts {
  bool attempted = false;
  std::string version;  // "TLSv1.3" as OpenSSL names it
  std::string cipher;
  std::vector<CertFacts> chain;  // as the verify callback saw it, leaf at depth 0
  long verify_result = 0;        // OpenSSL's verify result (X509_V_OK when verified)
};

// Records the certificate OpenSSL is verifying (once per depth) and the first error it
// reported there; returns nothing and changes nothing in OpenSSL's verdict.
void record_certificate(std::vector<CertFacts>& chain, int preverify_ok, X509_STORE_CTX* store);

}  // namespace reachprobe::net_io
