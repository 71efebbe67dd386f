#pragma once
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "targets/pattern.hpp"
#include "targets/secret.hpp"

namespace reachprobe::targets {

// blackbox_exporter's tls_config (prometheus/common).
struct TlsSpec {
  std::optional<std::string> ca_file;
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  std::optional<std::string> server_name;
  bool insecure_skip_verify = false;
  std::optional<std::string> min_version;  // "TLS10".."TLS13"
  std::optional<std::string> max_version;  // unset: the newest this build supports
};

// Regexps are compiled once, when the config loads, and shared by every probe of that load.
struct HeaderMatch {
  std::string header;
  Pattern regexp;
  bool allow_missing = false;
};

// blackbox_exporter's http module, with the same defaults.
struct HttpSpec {
  std::vector<int> valid_status_codes;           // empty: any 2xx
  std::vector<std::string> valid_http_versions;  // e.g. "HTTP/1.1", "HTTP/2.0"; empty: any
  std::string method = "GET";
  std::map<std::string, std::string> headers;
  std::string body;
  std::string compression;  // "", gzip, br, deflate, identity
  bool follow_redirects = true;
  int max_redirects = 10;  // blackbox's hard cap
  bool fail_if_ssl = false;
  bool fail_if_not_ssl = false;
  std::vector<Pattern> fail_if_body_matches_regexp;
  std::vector<Pattern> fail_if_body_not_matches_regexp;
  std::vector<HeaderMatch> fail_if_header_matches;
  std::vector<HeaderMatch> fail_if_header_not_matches;
  std::optional<std::string> basic_auth_username;
  std::optional<Secret> basic_auth_password;
  std::optional<Secret> bearer_token;
  // `authorization:` (and bearer_token, which is its type Bearer): "Authorization: <type>
  // <credentials>". The type is kept apart so it can be shown; the credentials are secret.
  std::optional<std::string> authorization_type;
  std::optional<Secret> authorization_credentials;
  // `proxy_url:`: every request of the probe goes through this HTTP(S) or SOCKS proxy, which
  // then resolves and connects to the target; "" uses no proxy (and never the environment's).
  std::string proxy_url;
  bool skip_resolve_phase_with_proxy = false;
  // Sent in the CONNECT request to the proxy only (proxy credentials): secret values.
  std::vector<std::pair<std::string, Secret>> proxy_connect_headers;
  bool enable_http2 = true;         // false: HTTP/1.1 only, also over TLS (no h2 in ALPN)
  std::size_t body_size_limit = 0;  // 0: unlimited, as blackbox; memory is capped regardless
  TlsSpec tls;
};

struct GrpcSpec {
  std::string service;  // "" asks about the whole server
  bool tls = false;     // blackbox's grpc.tls: gRPC over TLS
  TlsSpec tls_config;
};

}  // namespace reachprobe::targets
