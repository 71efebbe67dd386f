#include "net/web_transfer.hpp"

#include "net/curl_library.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <ctime>

#include "net/redirect_guard.hpp"

namespace reachprobe::net_io {
namespace {

// Everything curl's callbacks write into; lives in the coroutine frame for the transfer.
struct TransferState {
  const WebRequest* request = nullptr;
  WebOutcome* outcome = nullptr;
  int preconnected_fd = -1;  // handed to curl once, for the first connection
  bool preconnected_used = false;
  CURL* easy = nullptr;
  bool tls_read = false;
  long hop_status = 0;  // of the response whose headers are arriving
  RedirectGuard* guard = nullptr;
};

// The SSL* is only valid during the transfer: read version and cipher from the first header.
void read_tls_session(TransferState& state) {
  if (state.tls_read || !state.outcome->tls.attempted) return;
  state.tls_read = true;
  curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(state.easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == nullptr ||
      info->backend != CURLSSLBACKEND_OPENSSL || info->internals == nullptr) {
    return;
  }
  auto* ssl = static_cast<SSL*>(info->internals);
  state.outcome->tls.version = SSL_get_version(ssl);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
    state.outcome->tls.cipher = SSL_CIPHER_get_name(cipher);
  }
}

int ex_data_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Sees every certificate of the chain, also when verification fails (CURLINFO_CERTINFO is
// empty then), and leaves OpenSSL's verdict unchanged.
int verify_callback(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* state =
      static_cast<TransferState*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_data_index()));
  if (state != nullptr) record_certificate(state->outcome->tls.chain, preverify_ok, store);
  // With verification off, see the whole chain (the leaf too) instead of stopping at the
  // first certificate no loaded CA vouches for; curl ignores the verdict then anyway.
  if (SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE) return 1;
  return preverify_ok;
}

CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* data) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_ex_data(ctx, ex_data_index(), data);
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), &verify_callback);
  return CURLE_OK;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) != 0) ++i;
  return s.substr(i);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  std::size_t n = size * count;
  std::string line(data, n);
  auto& outcome = *state->outcome;
  read_tls_session(*state);
  if (line.rfind("HTTP/", 0) == 0) {
    outcome.headers.clear();  // a new response (redirect, 100-continue): keep the final one
    outcome.headers_complete = false;
    auto space = line.find(' ');
    state->hop_status = space == std::string::npos ? 0 : std::atol(line.c_str() + space + 1);
    return n;
  }
  if (line == "\r\n" || line == "\n") {
    // curl 7.88 reports success for a response cut off inside its headers (it drops the
    // partial line); only this blank line proves the header block ended.
    outcome.headers_complete = true;
    return n;
  }
  auto colon = line.find(':');
  if (colon != std::string::npos && outcome.headers.size() < 200) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    outcome.headers.emplace_back(name, trim(line.substr(colon + 1)));
    // Judged before curl follows it: returning short aborts the transfer (CURLE_WRITE_ERROR).
    if (name == "location" && state->hop_status / 100 == 3 && state->request->follow_redirects &&
        !state->guard->on_location(outcome.headers.back().second)) {
      outcome.redirect_refusal = state->guard->refusal();
      return 0;
    }
  }
  return n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  std::size_t n = size * count;
  auto& outcome = *state->outcome;
  outcome.body_bytes += n;
  std::size_t keep = state->request->body_keep;
  if (outcome.body.size() < keep)
    outcome.body.append(data, std::min(n, keep - outcome.body.size()));
  if (state->request->body_size_limit > 0 && outcome.body_bytes > state->request->body_size_limit) {
    outcome.body_limit_exceeded = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  return n;
}

// The first connection is the tcp layer's; later ones (redirects) are opened as usual.
curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* state = static_cast<TransferState*>(user);
  if (state->preconnected_fd >= 0 && !state->preconnected_used) {
    state->preconnected_used = true;
    return state->preconnected_fd;
  }
  // A redirect hop's connection: its address is checked before the SYN leaves.
  std::array<char, INET6_ADDRSTRLEN> text{};
  const void* raw = nullptr;
  if (address->family == AF_INET) {
    raw = &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr;
  } else if (address->family == AF_INET6) {
    raw = &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr;
  }
  if (raw == nullptr || inet_ntop(address->family, raw, text.data(), text.size()) == nullptr) {
    text[0] = '\0';  // an address that cannot be named is outside every CIDR
  }
  if (!state->guard->on_connect(text.data())) {
    state->outcome->redirect_refusal = state->guard->refusal();
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

int on_socket_options(void* user, curl_socket_t fd, curlsocktype) {
  auto* state = static_cast<TransferState*>(user);
  return fd == state->preconnected_fd ? CURL_SOCKOPT_ALREADY_CONNECTED : CURL_SOCKOPT_OK;
}

long min_tls_version(const std::optional<std::string>& name) {
  if (!name) return CURL_SSLVERSION_TLSv1_2;  // Go's client default, as blackbox
  if (*name == "TLS10") return CURL_SSLVERSION_TLSv1_0;
  if (*name == "TLS11") return CURL_SSLVERSION_TLSv1_1;
  if (*name == "TLS13") return CURL_SSLVERSION_TLSv1_3;
  return CURL_SSLVERSION_TLSv1_2;
}

long max_tls_version(const std::optional<std::string>& name) {
  if (!name) return CURL_SSLVERSION_MAX_DEFAULT;
  if (*name == "TLS10") return CURL_SSLVERSION_MAX_TLSv1_0;
  if (*name == "TLS11") return CURL_SSLVERSION_MAX_TLSv1_1;
  if (*name == "TLS12") return CURL_SSLVERSION_MAX_TLSv1_2;
  return CURL_SSLVERSION_MAX_TLSv1_3;
}

double seconds(CURL* easy, CURLINFO info) {
  curl_off_t us = 0;
  curl_easy_getinfo(easy, info, &us);
  return static_cast<double>(us) / 1e6;
}

void configure(CURL* easy, const WebRequest& r, TransferState& state, curl_slist*& headers,
               curl_slist*& proxy_headers, curl_slist*& resolve, char* error_buffer) {
  curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  // No DNS cache: the dns layer resolved already, and curl's cache (shared by every transfer
  // on the multi handle) kept each address it saw for 60 s and walked all of them on every
  // lookup, so /probe got slower with every distinct target: 0.23 ms of CPU a probe after
  // 3,000 targets, 0.41 ms after 15,000. The pinned CURLOPT_RESOLVE entries of names are
  // permanent and stay usable (one per name:port, replaced when the address changes).
  curl_easy_setopt(easy, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "reachprobe/0.1");
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, r.follow_redirects ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(r.max_redirects));
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &on_open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &state);
  curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, &on_socket_options);
  curl_easy_setopt(easy, CURLOPT_SOCKOPTDATA, &state);
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, &on_ssl_ctx);
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, &state);
  curl_easy_setopt(easy, CURLOPT_SSLVERSION,
                   min_tls_version(r.tls.min_version) | max_tls_version(r.tls.max_version));
  if (r.tls.ca_file) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, r.tls.ca_file->c_str());
  } else {
    // The system roots as Go (blackbox) and OpenSSL (reachprobe's tcp TLS) find them:
    // $SSL_CERT_FILE and $SSL_CERT_DIR override curl's compiled-in bundle when set.
    if (const char* file = std::getenv("SSL_CERT_FILE"); file != nullptr && *file != '\0')
      curl_easy_setopt(easy, CURLOPT_CAINFO, file);
    if (const char* dir = std::getenv("SSL_CERT_DIR"); dir != nullptr && *dir != '\0')
      curl_easy_setopt(easy, CURLOPT_CAPATH, dir);
  }
  if (r.tls.cert_file) curl_easy_setopt(easy, CURLOPT_SSLCERT, r.tls.cert_file->c_str());
  if (r.tls.key_file) curl_easy_setopt(easy, CURLOPT_SSLKEY, r.tls.key_file->c_str());
  if (r.tls.insecure_skip_verify) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!r.resolve.empty()) {
    resolve = curl_slist_append(resolve, r.resolve.c_str());
    curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve);
  }
  if (!r.compression.empty()) {
    // Decode what arrives in that encoding, but send only the module's own Accept-Encoding
    // header, if any: blackbox does not ask for the compression it checks.
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, r.compression.c_str());
    bool own_header = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
      return strcasecmp(h.first.c_str(), "Accept-Encoding") == 0;
    });
    if (!own_header) headers = curl_slist_append(headers, "Accept-Encoding:");
  }
  if (r.basic_user) {
    curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(easy, CURLOPT_USERNAME, r.basic_user->c_str());
    curl_easy_setopt(easy, CURLOPT_PASSWORD, r.basic_password ? r.basic_password->c_str() : "");
  }
  // Set even when empty: an unset CURLOPT_PROXY makes curl use $http_proxy, and a probe must
  // go where the module says, as Go's transport with a nil proxy URL does.
  curl_easy_setopt(easy, CURLOPT_PROXY, r.proxy.c_str());
  if (!r.proxy.empty()) {
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "");
    // proxy_connect_header: to the proxy only (its CONNECT), never to the target.
    for (const auto& line : r.proxy_headers)
      proxy_headers = curl_slist_append(proxy_headers, line.c_str());
    if (proxy_headers != nullptr) {
      curl_easy_setopt(easy, CURLOPT_HEADEROPT, CURLHEADER_SEPARATE);
      curl_easy_setopt(easy, CURLOPT_PROXYHEADER, proxy_headers);
    }
  }
  if (r.http1_only && !r.grpc) curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  if (r.authorization) {
    headers = curl_slist_append(headers, ("Authorization: " + *r.authorization).c_str());
  }
  if (r.bearer_token) {
    curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
    curl_easy_setopt(easy, CURLOPT_XOAUTH2_BEARER, r.bearer_token->c_str());
  }
  for (const auto& [name, value] : r.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  if (r.grpc) {
    headers = curl_slist_append(headers, "content-type: application/grpc");
    headers = curl_slist_append(headers, "te: trailers");
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                     r.url.rfind("https", 0) == 0 ? CURL_HTTP_VERSION_2TLS
                                                  : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  }
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  if (r.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (r.method != "GET" || !r.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
}

void collect(CURL* easy, WebOutcome& o) {
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &o.status_code);
  curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &o.http_version);
  curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &o.redirects);
  curl_easy_getinfo(easy, CURLINFO_SSL_VERIFYRESULT, &o.tls.verify_result);
  char* url = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != nullptr) {
    o.effective_url = url;
  }
  o.final_ssl = o.effective_url.rfind("https://", 0) == 0;
  o.connect = seconds(easy, CURLINFO_CONNECT_TIME_T);
  o.appconnect = seconds(easy, CURLINFO_APPCONNECT_TIME_T);
  o.pretransfer = seconds(easy, CURLINFO_PRETRANSFER_TIME_T);
  o.starttransfer = seconds(easy, CURLINFO_STARTTRANSFER_TIME_T);
  o.total = seconds(easy, CURLINFO_TOTAL_TIME_T);
  curl_off_t length = -1;
  curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  o.content_length = length;
  long filetime = -1;
  curl_easy_getinfo(easy, CURLINFO_FILETIME, &filetime);
  if (filetime >= 0) o.last_modified = filetime;
}

}  // namespace

net::awaitable<WebOutcome> run_web_transfer(CurlMulti& multi, WebRequest request,
                                            std::optional<net::ip::tcp::socket> connection,
                                            engine::Deadline deadline) {
  WebOutcome outcome;
  outcome.tls.attempted = request.url.rfind("https://", 0) == 0;
  TransferState state;
  state.request = &request;
  state.outcome = &outcome;
  RedirectGuard guard(request.allow_list.get(), !request.proxy.empty());
  state.guard = &guard;
  // curl takes the fd over and closes it through CLOSESOCKETFUNCTION.
  if (connection) state.preconnected_fd = connection->release();
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  curl_slist* headers = nullptr;
  curl_slist* resolve = nullptr;
  curl_slist* proxy_headers = nullptr;
  CURL* easy = curl_easy_init();
  if (easy == nullptr) {
    outcome.code = CURLE_FAILED_INIT;
    outcome.error = curl_library_error().value_or("curl_easy_init failed");
    co_return outcome;
  }
  state.easy = easy;
  // Freed however this ends: a cancelled probe unwinds from perform() with operation_aborted.
  struct Cleanup {
    CURL* easy;
    curl_slist*& headers;
    curl_slist*& resolve;
    curl_slist*& proxy_headers;
    TransferState& state;
    ~Cleanup() {
      if (state.preconnected_fd >= 0 && !state.preconnected_used) close(state.preconnected_fd);
      curl_easy_cleanup(easy);
      curl_slist_free_all(headers);
      curl_slist_free_all(resolve);
      curl_slist_free_all(proxy_headers);
    }
  } cleanup{easy, headers, resolve, proxy_headers, state};
  configure(easy, request, state, headers, proxy_headers, resolve, error_buffer.data());
  curl_easy_setopt(easy, CURLOPT_FILETIME, 1L);
  multi.adopt_sockets(easy);
  outcome.code = co_await multi.perform(easy, deadline);
  outcome.timed_out = outcome.code == CURLE_OPERATION_TIMEDOUT;
  outcome.error = error_buffer.data();
  collect(easy, outcome);
  co_return outcome;
}

}  // namespace reachprobe::net_io
