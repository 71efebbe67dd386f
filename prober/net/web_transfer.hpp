#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "net/cert_facts.hpp"
#include "net/curl_multi.hpp"
#include "targets/allow_list.hpp"
#include "targets/web_spec.hpp"

namespace reachprobe::net_io {

// One HTTP(S) request, as the http and grpc layers describe it to curl.
struct WebRequest {
  std::string url;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool grpc = false;  // HTTP/2: prior knowledge over plain TCP, ALPN over TLS
  bool follow_redirects = true;
  int max_redirects = 10;
  std::string compression;
  std::string resolve;              // CURLOPT_RESOLVE "host:port:address": the dns layer's answer
  std::size_t body_keep = 1 << 20;  // bytes kept for regexps; the rest is counted, not kept
  std::size_t body_size_limit = 0;  // abort past this many bytes (0: no limit)
  std::optional<std::string> basic_user;
  std::optional<std::string> basic_password;
  std::optional<std::string> bearer_token;
  std::optional<std::string> authorization;  // the whole header value: "<type> <credentials>"
  // Every connection goes to this proxy ("": none, and never one from the environment), which
  // resolves and reaches the target itself.
  std::string proxy;
  std::vector<std::string> proxy_headers;  // "Name: value" lines for the CONNECT only
  bool http1_only = false;                 // enable_http2: false
  targets::TlsSpec tls;
  // /probe's allowed_targets: every redirect hop is judged by it (null: follow any).
  std::shared_ptr<const targets::AllowList> allow_list;
};

struct WebOutcome {
  CURLcode code = CURLE_OK;
  std::string error;  // curl's error buffer
  bool timed_out = false;
  long status_code = 0;
  long http_version = 0;  // CURL_HTTP_VERSION_*
  long redirects = 0;
  bool final_ssl = false;
  std::string effective_url;
  // Seconds from the start of the transfer, as curl's *_TIME_T (0 when not reached).
  double connect = 0, appconnect = 0, pretransfer = 0, starttransfer = 0, total = 0;
  std::size_t body_bytes = 0;
  std::string body;  // at most body_keep bytes
  bool body_limit_exceeded = false;
  std::int64_t content_length = -1;
  std::vector<std::pair<std::string, std::string>> headers;  // of the final response + trailers
  bool headers_complete = false;  // the blank line ending the final response's headers arrived
  std::optional<std::int64_t> last_modified;
  TlsFacts tls;
  // Why a redirect hop was not followed: its host or address is outside allowed_targets.
  std::optional<std::string> redirect_refusal;
};

// Runs the request on `connection` (already connected by the tcp layer; further connections,
// e.g. redirects, are opened by curl) until done or the deadline.
net::awaitable<WebOutcome> run_web_transfer(CurlMulti& multi, WebRequest request,
                                            std::optional<net::ip::tcp::socket> connection,
                                            engine::Deadline deadline);

}  // namespace reachprobe::net_io
