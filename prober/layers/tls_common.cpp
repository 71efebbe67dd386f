#include "layers/tls_common.hpp"

#include <openssl/x509_vfy.h>

namespace reachprobe::layers {

using engine::Reason;

std::string blackbox_tls_version(const std::string& openssl) {
  if (openssl.rfind("TLSv", 0) == 0) return "TLS " + openssl.substr(4);
  return openssl;
}

bool is_untrusted_error(int error) {
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

bool looks_plain_text(const std::string& error) {
  for (const char* sign : {"wrong version number", "packet length too long", "unknown protocol",
                           "http request", "record layer failure"}) {
    if (error.find(sign) != std::string::npos) return true;
  }
  return false;
}

engine::TlsEvidence tls_evidence(const net_io::TlsFacts& facts, bool handshake_done,
                                 bool insecure_skip_verify) {
  engine::TlsEvidence evidence;
  evidence.version = blackbox_tls_version(facts.version);
  evidence.cipher = facts.cipher;
  for (const auto& cert : facts.chain) {
    if (!evidence.earliest_cert_expiry || cert.not_after < *evidence.earliest_cert_expiry) {
      evidence.earliest_cert_expiry = cert.not_after;
    }
    if (cert.depth == 0) {
      evidence.leaf = engine::CertificateEvidence{
          cert.subject,         cert.issuer,         cert.sans,      cert.not_after,
          cert.subject_rfc2253, cert.issuer_rfc2253, cert.dns_names, cert.fingerprint_sha256};
    }
    // Without verification no CA is loaded, so OpenSSL's complaint is not the real one.
    if (cert.verify_error != 0 && evidence.verify_error.empty() && !insecure_skip_verify) {
      evidence.verify_error = X509_verify_cert_error_string(cert.verify_error);
    }
  }
  evidence.verified = handshake_done && !insecure_skip_verify;
  return evidence;
}

Reason certificate_reason(const net_io::TlsFacts& facts, std::string& detail) {
  auto describe = [&detail](const net_io::CertFacts& cert) {
    detail = std::string(X509_verify_cert_error_string(cert.verify_error)) + " (depth " +
             std::to_string(cert.depth) + ": " + cert.subject + ")";
  };
  for (const auto& cert : facts.chain) {
    if (cert.verify_error == X509_V_ERR_CERT_HAS_EXPIRED ||
        cert.verify_error == X509_V_ERR_CERT_NOT_YET_VALID) {
      describe(cert);
      return Reason::cert_expired;
    }
  }
  for (const auto& cert : facts.chain) {
    if (cert.verify_error == X509_V_ERR_HOSTNAME_MISMATCH ||
        cert.verify_error == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      describe(cert);
      return Reason::hostname_mismatch;
    }
    if (cert.verify_error != 0) {
      describe(cert);
      return is_untrusted_error(cert.verify_error) ? Reason::cert_untrusted
                                                   : Reason::handshake_failed;
    }
  }
  return Reason::none;
}

Reason handshake_failure_reason(const net_io::TlsHandshakeOutcome& outcome, std::string& detail) {
  detail = outcome.error;
  if (outcome.timed_out) return Reason::timeout;
  if (auto reason = certificate_reason(outcome.facts, detail); reason != Reason::none) {
    return reason;
  }
  return looks_plain_text(outcome.error) ? Reason::not_tls : Reason::handshake_failed;
}

}  // namespace reachprobe::layers
