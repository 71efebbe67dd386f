#include "net/cert_facts.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace reachprobe::net_io {
namespace {

std::string x509_name(X509_NAME* name) {
  if (name == nullptr) return "";
  std::array<char, 512> buf{};
  X509_NAME_oneline(name, buf.data(), static_cast<int>(buf.size()));
  return buf.data();
}

std::string rfc2253(X509_NAME* name) {
  if (name == nullptr) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(std::max(0L, len)));
  BIO_free(bio);
  return out;
}

std::string sha256_hex(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), digest.data(), &len) != 1) return "";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const auto* s = name->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const auto* s = name->d.iPAddress;
      std::array<char, 64> text{};
      int len = ASN1_STRING_length(s);
      const unsigned char* bytes = ASN1_STRING_get0_data(s);
      if (len == 4 || len == 16) {
        inet_ntop(len == 4 ? AF_INET : AF_INET6, bytes, text.data(), text.size());
        out.emplace_back(text.data());
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

void record_certificate(std::vector<CertFacts>& chain, int preverify_ok, X509_STORE_CTX* store) {
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (cert == nullptr) return;
  int depth = X509_STORE_CTX_get_error_depth(store);
  auto it = std::find_if(chain.begin(), chain.end(),
                         [depth](const CertFacts& c) { return c.depth == depth; });
  if (it == chain.end()) {
    CertFacts facts;
    facts.depth = depth;
    facts.subject = x509_name(X509_get_subject_name(cert));
    facts.issuer = x509_name(X509_get_issuer_name(cert));
    if (depth == 0) {
      facts.sans = subject_alt_names(cert);
      facts.subject_rfc2253 = rfc2253(X509_get_subject_name(cert));
      facts.issuer_rfc2253 = rfc2253(X509_get_issuer_name(cert));
      facts.fingerprint_sha256 = sha256_hex(cert);
      auto* names = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
      for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
        if (n->type != GEN_DNS) continue;
        facts.dns_names.emplace_back(
            reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
            static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
      }
      if (names != nullptr) GENERAL_NAMES_free(names);
    }
    std::tm tm{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) facts.not_after = timegm(&tm);
    chain.push_back(std::move(facts));
    it = chain.end() - 1;
  }
  if (preverify_ok == 0 && it->verify_error == 0)
    it->verify_error = X509_STORE_CTX_get_error(store);
}

}  // namespace reachprobe::net_io
