#include <openssl/x509_vfy.h>

#include <algorithm>

#include "layers/layers.hpp"
#include "layers/web_common.hpp"

namespace reachprobe::layers {
namespace {

using engine::Reason;
using engine::Status;
using engine::TlsEvidence;

std::string blackbox_version(const std::string& openssl) {
  if (openssl.rfind("TLSv", 0) == 0) return "TLS " + openssl.substr(4);  // "TLSv1.3" -> "TLS 1.3"
  return openssl.empty() ? "" : openssl;
}

bool is_untrusted(int error) {
  switch (error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_CERT_REVOKED:
      return true;
    default:
      return false;
  }
}

// A plain-text peer answers the ClientHello with something that is not a TLS record.
bool looks_plain_text(const std::string& error) {
  for (const char* sign : {"wrong version number", "packet length too long", "unknown protocol",
                           "http request", "record layer failure"}) {
    if (error.find(sign) != std::string::npos) return true;
  }
  return false;
}

Reason verification_reason(const net_io::TlsFacts& tls, std::string& detail) {
  for (const auto& cert : tls.chain) {
    if (cert.verify_error == X509_V_ERR_CERT_HAS_EXPIRED ||
        cert.verify_error == X509_V_ERR_CERT_NOT_YET_VALID) {
      detail = std::string(X509_verify_cert_error_string(cert.verify_error)) + " (depth " +
               std::to_string(cert.depth) + ": " + cert.subject + ")";
      return Reason::cert_expired;
    }
  }
  for (const auto& cert : tls.chain) {
    if (cert.verify_error != 0) {
      detail = std::string(X509_verify_cert_error_string(cert.verify_error)) + " (depth " +
               std::to_string(cert.depth) + ": " + cert.subject + ")";
      return is_untrusted(cert.verify_error) ? Reason::cert_untrusted : Reason::handshake_failed;
    }
  }
  // The chain verified: what curl refused is the name (notes §3: verify result 1, clean chain).
  return Reason::hostname_mismatch;
}

}  // namespace

net::awaitable<LayerResult> run_tls_layer(ProbeSession& session, Deadline deadline) {
  LayerResult result;
  result.layer = engine::Layer::tls;
  const auto* web = co_await ensure_web_transfer(session, deadline);
  TlsEvidence evidence;
  evidence.version = blackbox_version(web->tls.version);
  evidence.cipher = web->tls.cipher;
  for (const auto& cert : web->tls.chain) {
    if (!evidence.earliest_cert_expiry || cert.not_after < *evidence.earliest_cert_expiry) {
      evidence.earliest_cert_expiry = cert.not_after;
    }
    if (cert.depth == 0) {
      evidence.leaf = engine::CertificateEvidence{
          cert.subject,         cert.issuer,         cert.sans,      cert.not_after,
          cert.subject_rfc2253, cert.issuer_rfc2253, cert.dns_names, cert.fingerprint_sha256};
    }
    // With verification off curl loads no CA, so OpenSSL's complaint is not the real one.
    if (cert.verify_error != 0 && evidence.verify_error.empty() &&
        !session.options.tls.insecure_skip_verify) {
      evidence.verify_error = X509_verify_cert_error_string(cert.verify_error);
    }
  }
  bool handshake_done = web->appconnect > 0;
  evidence.verified = handshake_done && !session.options.tls.insecure_skip_verify;
  double start = web->connect;
  result.duration =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(
          std::max(0.0, (handshake_done ? web->appconnect : web->total) - start)));
  if (handshake_done) {
    result.status = Status::ok;
    if (session.options.tls.insecure_skip_verify)
      result.detail = "certificate not verified (--tls.insecure)";
  } else {
    result.status = Status::fail;
    std::string detail = web->error;
    switch (web->code) {
      case CURLE_PEER_FAILED_VERIFICATION:
        result.reason = verification_reason(web->tls, detail);
        break;
      case CURLE_OPERATION_TIMEDOUT:
        result.reason = Reason::timeout;
        break;
      default:
        result.reason = looks_plain_text(web->error) ? Reason::not_tls : Reason::handshake_failed;
        break;
    }
    result.detail = detail;
  }
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
