#include "net/tls_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace reachprobe::net_io {
namespace {

int chain_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Records the chain and keeps OpenSSL's verdict: with verification off every certificate is
// still seen, so the expiry metrics exist as they do in blackbox.
int verify_callback(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* chain = static_cast<std::vector<CertFacts>*>(SSL_get_ex_data(ssl, chain_index()));
  if (chain != nullptr) record_certificate(*chain, preverify_ok, store);
  // Without verification no CA is loaded, so the top of the chain always "fails"; stopping
  // there would hide the leaf. Go on to see every certificate; the handshake ignores it.
  if (SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE) return 1;
  return preverify_ok;
}

int protocol_version(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return TLS1_2_VERSION;  // Go's client default, and TLS12 itself
}

std::string ssl_errors(const boost::system::error_code& ec) {
  std::string text = ec.message();
  if (unsigned long e = ERR_get_error(); e != 0) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    text = buf.data();
  }
  ERR_clear_error();
  return text;
}

// Loads what the module's tls_config names; an unreadable file is an error, not a silent
// fallback to an unverified connection.
std::string configure_context(net::ssl::context& context, const targets::TlsSpec& spec) {
  boost::system::error_code ec;
  SSL_CTX_set_min_proto_version(context.native_handle(),
                                protocol_version(spec.min_version.value_or("TLS12")));
  if (spec.max_version)
    SSL_CTX_set_max_proto_version(context.native_handle(), protocol_version(*spec.max_version));
  if (spec.insecure_skip_verify) {
    context.set_verify_mode(net::ssl::verify_none, ec);
  } else {
    context.set_verify_mode(net::ssl::verify_peer, ec);
    if (spec.ca_file) {
      context.load_verify_file(*spec.ca_file, ec);
      if (ec) return "tls_config ca_file " + *spec.ca_file + ": " + ssl_errors(ec);
    } else {
      context.set_default_verify_paths(ec);
    }
  }
  // An encrypted key must fail here, not make OpenSSL prompt on the terminal (and block the
  // io_context): the empty passphrase is the only one offered.
  context.set_password_callback(
      [](std::size_t, net::ssl::context::password_purpose) { return std::string(); }, ec);
  if (spec.cert_file.has_value() != spec.key_file.has_value()) {
    return "tls_config needs both cert_file and key_file for a client certificate";
  }
  if (spec.cert_file && spec.key_file) {
    context.use_certificate_chain_file(*spec.cert_file, ec);
    if (ec) return "tls_config cert_file " + *spec.cert_file + ": " + ssl_errors(ec);
    context.use_private_key_file(*spec.key_file, net::ssl::context::pem, ec);
    if (ec) return "tls_config key_file " + *spec.key_file + ": " + ssl_errors(ec);
  }
  return "";
}

// Per connection: the chain recorder, SNI and the name the certificate must carry.
void configure_connection(TlsConnection& c, const targets::TlsSpec& spec,
                          const std::string& server_name) {
  SSL* ssl = c.stream.native_handle();
  SSL_set_ex_data(ssl, chain_index(), &c.chain);
  SSL_set_verify(ssl, SSL_get_verify_mode(ssl), &verify_callback);
  boost::system::error_code parse_error;
  auto literal = net::ip::make_address(server_name, parse_error);
  if (parse_error) {
    // SSL_set_tlsext_host_name() is a macro with an old-style cast; this is what it expands to.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(server_name.c_str()));
    if (!spec.insecure_skip_verify) SSL_set1_host(ssl, server_name.c_str());
  } else if (!spec.insecure_skip_verify) {
    // An IP literal is checked against the certificate's IP SANs, and sent without SNI.
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), literal.to_string().c_str());
  }
}

}  // namespace

TlsConnection::TlsConnection(net::ip::tcp::socket socket, net::ssl::context configured)
    : context(std::move(configured)), stream(std::move(socket), context) {}

net::awaitable<TlsHandshakeOutcome> tls_handshake(net::ip::tcp::socket socket,
                                                  const targets::TlsSpec& spec,
                                                  const std::string& default_server_name,
                                                  engine::Deadline deadline) {
  using namespace net::experimental::awaitable_operators;
  auto started = std::chrono::steady_clock::now();
  TlsHandshakeOutcome outcome;
  outcome.facts.attempted = true;
  net::ssl::context context(net::ssl::context::tls_client);
  outcome.error = configure_context(context, spec);
  if (!outcome.error.empty()) co_return outcome;
  auto connection = std::make_unique<TlsConnection>(std::move(socket), std::move(context));
  configure_connection(*connection, spec, spec.server_name.value_or(default_server_name));

  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_at(deadline.when());
  auto done =
      co_await (connection->stream.async_handshake(net::ssl::stream_base::client, use_result) ||
                timer.async_wait(use_result));
  outcome.elapsed = std::chrono::steady_clock::now() - started;
  SSL* ssl = connection->stream.native_handle();
  outcome.facts.verify_result = SSL_get_verify_result(ssl);
  outcome.facts.chain = connection->chain;
  if (done.index() == 1) {
    outcome.timed_out = true;
    outcome.error = "TLS handshake did not finish before the deadline";
    co_return outcome;
  }
  auto [ec] = std::get<0>(done);
  if (ec) {
    outcome.error = ssl_errors(ec);
    co_return outcome;
  }
  outcome.facts.version = SSL_get_version(ssl);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl))
    outcome.facts.cipher = SSL_CIPHER_get_name(cipher);
  outcome.connection = std::move(connection);
  co_return outcome;
}

}  // namespace reachprobe::net_io
