#include "targets/config_loader.hpp"

#include "targets/accept_encoding.hpp"
#include "targets/allow_list.hpp"
#include "targets/dns_names.hpp"

#include <arpa/inet.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "targets/bounded_file.hpp"
#include "targets/byte_size.hpp"
#include "targets/duration.hpp"
#include "targets/pattern.hpp"
#include "targets/printable.hpp"
#include "targets/private_key.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe::targets {
namespace {

// Only "does not exist": a file that exists but cannot be opened is an error where it is used.
bool file_missing(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) != 0 && errno == ENOENT;
}

// A load error, thrown only inside this file and turned into an Expected at its edge.
struct ConfigError {
  std::string message;
};

// The credentials keys of prometheus/common's HTTPClientConfig, kept as nodes until the whole
// section is read: blackbox validates their combination before any file is read, and the
// error points at the later of two conflicting keys.
// A key's value node, or nullopt when the key is absent (a default YAML::Node reads as a
// defined null, so presence is kept apart).
using Key = std::optional<YAML::Node>;

bool is_ip_literal(const std::string& text) {
  std::array<unsigned char, 16> bytes{};
  return inet_pton(AF_INET, text.c_str(), bytes.data()) == 1 ||
         inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1;
}

struct HttpAuthKeys {
  Key basic_auth, basic_password, basic_password_file, bearer_token, bearer_token_file,
      authorization, authorization_credentials, authorization_credentials_file, oauth2;
};

// The later of two keys in the file, for "at most one of" errors.
const Key& later(const Key& a, const Key& b) {
  if (!a) return b;
  if (!b) return a;
  return a->Mark().line >= b->Mark().line ? a : b;
}

std::string trimmed_text(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

class Reader {
 public:
  Reader(std::string file, int line_count) : file_(std::move(file)), line_count_(line_count) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
    throw ConfigError{file_ + ":" + std::to_string(line_of(at.Mark().line)) + ": " + what};
  }
  // yaml-cpp marks an empty value, or the end of the text, one line past the last: an error
  // names a line that exists (never 0, never past the end).
  int line_of(int zero_based) const { return std::clamp(zero_based + 1, 1, line_count_); }
  [[noreturn]] void fail(const Key& at, const std::string& what) const { fail(*at, what); }

  // Each key of `node` must be known (any key when `known` is empty) and given once; `handle` reads
  // the one it is given. A key whose value is null (`follow_redirects:` with nothing after it)
  // keeps its default, as Go's yaml.v3 leaves a field alone for a null node: blackbox accepts it,
  // so must we.
  void map(const YAML::Node& node, const std::string& type, const std::set<std::string>& known,
           const std::function<void(const std::string&, const YAML::Node&)>& handle) const {
    if (node.IsNull()) return;
    if (!node.IsMap()) fail(node, type + " must be a mapping");
    std::map<std::string, int> seen;  // key -> its line, for yaml.v3's duplicate-key error
    std::vector<YAML::Node> merged;   // `<<: *anchor` mappings, applied after the own keys
    for (const auto& entry : node) {
      if (entry.first.IsScalar() && entry.first.Scalar() == "<<" && !quoted(entry.first)) {
        if (entry.second.IsMap()) {
          merged.push_back(entry.second);
        } else if (entry.second.IsSequence()) {
          for (const auto& m : entry.second) {
            if (!m.IsMap()) fail(m, "map merge requires map or sequence of maps as the value");
            merged.push_back(m);
          }
        } else {
          fail(entry.second, "map merge requires map or sequence of maps as the value");
        }
        continue;
      }
      std::string key = key_text(entry.first);
      if (!known.empty() && !known.contains(key))
        fail(entry.first, "field " + key + " not found in type " + type);
      int line = entry.first.Mark().line + 1;
      if (auto [it, fresh] = seen.emplace(key, line); !fresh) {
        fail(entry.first,
             "mapping key \"" + key + "\" already defined at line " + std::to_string(it->second));
      }
      if (entry.second.IsNull()) continue;
      handle(key, entry.second);
    }
    // A merged key never overrides one the mapping gives itself; an earlier merge wins.
    for (const auto& m : merged) {
      for (const auto& entry : m) {
        std::string key = key_text(entry.first);
        if (!known.empty() && !known.contains(key))
          fail(entry.first, "field " + key + " not found in type " + type);
        if (!seen.emplace(key, entry.first.Mark().line + 1).second) continue;
        if (!entry.second.IsNull()) handle(key, entry.second);
      }
    }
  }
  std::string key_text(const YAML::Node& key) const {
    if (!key.IsScalar()) fail(key, "a mapping key must be a string");
    return text(key, "key");
  }

  template <typename T>
  T scalar(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a scalar");
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, "cannot read " + quote_printable(node.Scalar()) + " as " + what);
    }
  }
  std::string text(const YAML::Node& n, const std::string& what) const {
    if (n.IsNull()) return "";  // yaml.v3 decodes null into a string as ""
    auto value = scalar<std::string>(n, what);
    // yaml-cpp decodes the escape \N to the lone byte 0x85, not UTF-8: refuse such text as Go's
    // YAML does invalid UTF-8, so /config never writes back a different string (fuzzer).
    if (valid_utf8(value) != value) fail(n, what + ": invalid UTF-8");
    return value;
  }
  // yaml.v3 into a Go bool: YAML 1.2's true/false spellings, and YAML 1.1's y/yes/on and
  // n/no/off even when quoted; a quoted "true" is a string, not a boolean.
  bool boolean(const YAML::Node& n, const std::string& what) const {
    static const std::set<std::string> kTrue = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"};
    static const std::set<std::string> kFalse = {"n", "N", "no", "No", "NO", "off", "Off", "OFF"};
    static const std::set<std::string> kPlainTrue = {"true", "True", "TRUE"};
    static const std::set<std::string> kPlainFalse = {"false", "False", "FALSE"};
    std::string value = text(n, what);
    if (kTrue.contains(value)) return true;
    if (kFalse.contains(value)) return false;
    if (!quoted(n) && kPlainTrue.contains(value)) return true;
    if (!quoted(n) && kPlainFalse.contains(value)) return false;
    fail(n, "cannot unmarshal " + quote_printable(value) + " into " + what + " (a boolean)");
  }
  int integer(const YAML::Node& n, const std::string& what) const {
    if (quoted(n)) {
      fail(n, "cannot unmarshal the string " + quote_printable(n.Scalar()) + " into " + what +
                  " (an integer)");
    }
    if (n.IsNull()) return 0;  // yaml.v3: a null list item decodes as 0
    if (!n.IsScalar()) fail(n, what + " must be a scalar");
    // yaml.v3's plain integers: underscores allowed, 0x/0o/0b and 1.1's leading-0 octal, and a
    // float with an integral value (5.0).
    std::string digits;
    for (char c : n.Scalar())
      if (c != '_') digits += c;
    std::string body = digits;
    bool negative = !body.empty() && (body[0] == '-' || body[0] == '+');
    if (negative) body.erase(0, 1);
    int base = 10;
    if (body.starts_with("0x") || body.starts_with("0X")) {
      base = 16;
      body.erase(0, 2);
    } else if (body.starts_with("0o")) {
      base = 8;
      body.erase(0, 2);
    } else if (body.starts_with("0b")) {
      base = 2;
      body.erase(0, 2);
    } else if (body.size() > 1 && body[0] == '0') {
      base = 8;
    }
    long long value = 0;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, base);
    if (!body.empty() && ec == std::errc() && end == body.data() + body.size()) {
      if (negative && digits[0] == '-') value = -value;
      if (value < INT32_MIN || value > INT32_MAX) fail(n, what + ": " + n.Scalar() + " overflows");
      return static_cast<int>(value);
    }
    char* float_end = nullptr;
    double f = std::strtod(digits.c_str(), &float_end);
    if (!digits.empty() && *float_end == '\0' && f == static_cast<double>(static_cast<int>(f)))
      return static_cast<int>(f);
    fail(n, "cannot read " + quote_printable(n.Scalar()) + " as " + what + " (an integer)");
  }
  // A quoted scalar ('5', "true") has yaml-cpp's non-specific tag "!"; a plain one has "?".
  static bool quoted(const YAML::Node& n) { return n.Tag() == "!"; }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& what) const {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) fail(node, what + " must be a list");
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(text(item, what));
    return out;
  }
  // Compiled here, once per load: probes use the compiled form and never compile again.
  Pattern regexp(const YAML::Node& node, const std::string& what) const {
    auto p = Pattern::compile(text(node, what), true);
    if (!p) fail(node, what + ": " + p.error());
    return std::move(p).value();
  }
  std::vector<Pattern> regexps(const YAML::Node& node, const std::string& what) const {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) fail(node, what + " must be a list");
    std::vector<Pattern> out;
    for (const auto& item : node) out.push_back(regexp(item, what));
    return out;
  }
  std::chrono::nanoseconds duration(const YAML::Node& node, const std::string& what) const {
    auto d = parse_duration(text(node, what));
    if (!d) fail(node, what + ": " + d.error());
    return *d;
  }
  std::string ip_protocol(const YAML::Node& node) const {
    auto value = text(node, "preferred_ip_protocol");
    if (value != "ip4" && value != "ip6") fail(node, "preferred_ip_protocol must be ip4 or ip6");
    return value;
  }

  // A file read now, whole: a secret or a body. Not a regular file, over the cap, or unreadable
  // fails the load at the line of the key that named it (README "Files named by the config").
  std::string file_content(const YAML::Node& node, const std::string& what) const {
    auto content = read_bounded_file(text(node, what), kSmallFileCap);
    if (!content) fail(node, what + ": " + content.error());
    return std::move(content).value();
  }
  Secret secret_file(const YAML::Node& node, const std::string& what) const {
    Secret secret;
    if (auto error = read_secret_file(text(node, what), secret)) fail(node, what + ": " + *error);
    return secret;
  }
  // A file a library opens by name at probe time (TLS files, known_hosts). A missing one stays a
  // probe-time error, as in blackbox; one that exists must be a regular file within the cap, so a
  // FIFO or /dev/zero cannot stall the io_context thread when the library reads it.
  std::string library_file(const YAML::Node& node, const std::string& what,
                           std::size_t cap = kSmallFileCap) const {
    std::string path = text(node, what);
    if (!file_missing(path)) {
      if (auto error = check_regular_file(path, cap)) fail(node, what + ": " + *error);
    }
    return path;
  }

  void tls(const YAML::Node& node, TlsSpec& spec) const {
    map(node, "config.TLSConfig",
        {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify", "min_version",
         "max_version"},
        [&](const std::string& key, const YAML::Node& v) {
          if (key == "ca_file")
            spec.ca_file = library_file(v, key);
          else if (key == "cert_file")
            spec.cert_file = library_file(v, key);
          else if (key == "key_file")
            spec.key_file = library_file(v, key);
          else if (key == "server_name")
            spec.server_name = text(v, key);
          else if (key == "insecure_skip_verify")
            spec.insecure_skip_verify = boolean(v, key);
          else if (key == "min_version" || key == "max_version") {
            auto version = text(v, key);
            static const std::set<std::string> kVersions = {"TLS10", "TLS11", "TLS12", "TLS13"};
            if (!kVersions.contains(version)) fail(v, "unknown TLS version: " + version);
            (key == "min_version" ? spec.min_version : spec.max_version) = version;
          }
        });
  }

  bool address(const std::string& key, const YAML::Node& v, AddressSpec& spec) const {
    if (key == "preferred_ip_protocol")
      spec.preferred_ip_protocol = ip_protocol(v);
    else if (key == "ip_protocol_fallback")
      spec.ip_protocol_fallback = boolean(v, key);
    else if (key == "source_ip_address")
      spec.source_ip_address = text(v, key);
    else
      return false;
    return true;
  }

  std::vector<HeaderMatch> header_matches(const YAML::Node& node, const std::string& what) const {
    std::vector<HeaderMatch> out;
    if (node.IsNull()) return out;
    if (!node.IsSequence()) fail(node, what + " must be a list");
    for (const auto& item : node) {
      HeaderMatch m;
      map(item, "config.HeaderMatch", {"header", "regexp", "allow_missing"},
          [&](const std::string& key, const YAML::Node& v) {
            if (key == "header")
              m.header = text(v, key);
            else if (key == "regexp")
              m.regexp = regexp(v, key);
            else
              m.allow_missing = boolean(v, key);
          });
      if (m.header.empty()) fail(item, "header name must be set for HTTP header matchers");
      if (m.regexp.text().empty()) fail(item, "regexp must be set for HTTP header matchers");
      out.push_back(m);
    }
    return out;
  }

  void http(const YAML::Node& node, Module& module) const;
  void http_auth(const HttpAuthKeys& keys, HttpSpec& spec) const;
  std::string proxy_url(const YAML::Node& node) const;
  void tcp(const YAML::Node& node, TcpModuleSpec& spec) const;
  void icmp(const YAML::Node& node, IcmpModuleSpec& spec) const;
  void dns(const YAML::Node& node, DnsModuleSpec& spec) const;
  void grpc(const YAML::Node& node, Module& module) const;
  void ssh(const YAML::Node& node, SshSpec& spec) const;
  bool triage(const std::string& key, const YAML::Node& v, HostTriageSpec& spec) const;
  Module module(const std::string& name, const YAML::Node& node) const;
  SchedulerSpec scheduler(const YAML::Node& node) const;
  std::vector<ScheduledGroup> target_groups(const YAML::Node& node) const;
  std::vector<FileSdSpec> file_sd(const YAML::Node& node) const;
  std::vector<std::string> module_names(const YAML::Node& node, const std::string& what) const;
  std::chrono::nanoseconds interval(const YAML::Node& node, const std::string& what) const;
  std::string origin(const YAML::Node& node) const {
    return file_ + ":" + std::to_string(line_of(node.Mark().line));
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  int line_count_ = 1;
};

void Reader::http(const YAML::Node& node, Module& module) const {
  auto& spec = module.http;
  bool has_body = false;
  HttpAuthKeys auth;
  Key compression_node;
  Key proxy_header_node;
  std::vector<std::pair<std::string, YAML::Node>> header_nodes;
  map(node, "config.HTTPProbe",
      {"valid_status_codes",
       "valid_http_versions",
       "method",
       "headers",
       "body",
       "body_file",
       "compression",
       "follow_redirects",
       "no_follow_redirects",
       "fail_if_ssl",
       "fail_if_not_ssl",
       "fail_if_body_matches_regexp",
       "fail_if_body_not_matches_regexp",
       "fail_if_header_matches",
       "fail_if_header_not_matches",
       "preferred_ip_protocol",
       "ip_protocol_fallback",
       "skip_resolve_phase_with_proxy",
       "body_size_limit",
       "basic_auth",
       "authorization",
       "bearer_token",
       "bearer_token_file",
       "proxy_url",
       "tls_config",
       "enable_http2",
       "proxy_connect_header",
       "oauth2"},
      [&](const std::string& key, const YAML::Node& v) {
        if (address(key, v, module.http_address)) return;
        if (key == "valid_status_codes") {
          if (!v.IsSequence()) fail(v, "valid_status_codes must be a list of integers");
          for (const auto& code : v)
            spec.valid_status_codes.push_back(integer(code, "status code"));
        } else if (key == "valid_http_versions")
          spec.valid_http_versions = strings(v, key);
        else if (key == "method")
          spec.method = text(v, key);
        else if (key == "headers") {
          // Read through map(): duplicate names refused, `<<` merges applied; a name with no
          // value is not sent (curl would take "Name:" as "drop that header").
          map(v, "headers", {}, [&](const std::string& name, const YAML::Node& x) {
            header_nodes.emplace_back(name, x);
          });
        } else if (key == "body") {
          if (has_body) fail(v, "setting body and body_file both are not allowed");
          has_body = true;
          spec.body = text(v, key);
        } else if (key == "body_file") {
          if (has_body) fail(v, "setting body and body_file both are not allowed");
          has_body = true;
          spec.body = file_content(v, key);
        } else if (key == "compression") {
          compression_node = v;
          spec.compression = text(v, key);
          static const std::set<std::string> kKnown = {"", "gzip", "br", "deflate", "identity"};
          if (!kKnown.contains(spec.compression))
            fail(v, "invalid compression " + spec.compression);
        } else if (key == "follow_redirects")
          spec.follow_redirects = boolean(v, key);
        else if (key == "no_follow_redirects")
          spec.follow_redirects = !boolean(v, key);
        else if (key == "fail_if_ssl")
          spec.fail_if_ssl = boolean(v, key);
        else if (key == "fail_if_not_ssl")
          spec.fail_if_not_ssl = boolean(v, key);
        else if (key == "fail_if_body_matches_regexp")
          spec.fail_if_body_matches_regexp = regexps(v, key);
        else if (key == "fail_if_body_not_matches_regexp")
          spec.fail_if_body_not_matches_regexp = regexps(v, key);
        else if (key == "fail_if_header_matches")
          spec.fail_if_header_matches = header_matches(v, key);
        else if (key == "fail_if_header_not_matches")
          spec.fail_if_header_not_matches = header_matches(v, key);
        else if (key == "body_size_limit") {
          // blackbox's units.Base2Bytes: "1MB", "512KiB" or plain bytes; <= 0 means no limit.
          auto size = parse_byte_size(text(v, key));
          if (!size) fail(v, "body_size_limit: " + size.error());
          spec.body_size_limit = static_cast<std::size_t>(std::max<std::int64_t>(0, *size));
        } else if (key == "tls_config")
          tls(v, spec.tls);
        else if (key == "basic_auth") {
          auth.basic_auth = v;
          map(v, "config.BasicAuth", {"username", "password", "password_file"},
              [&](const std::string& k, const YAML::Node& x) {
                if (k == "username")
                  spec.basic_auth_username = text(x, k);
                else if (k == "password")
                  auth.basic_password = x;
                else
                  auth.basic_password_file = x;
              });
          if (!spec.basic_auth_username) spec.basic_auth_username = "";
        } else if (key == "authorization") {
          auth.authorization = v;
          map(v, "config.Authorization", {"type", "credentials", "credentials_file"},
              [&](const std::string& k, const YAML::Node& x) {
                if (k == "type")
                  spec.authorization_type = text(x, k);
                else if (k == "credentials")
                  auth.authorization_credentials = x;
                else
                  auth.authorization_credentials_file = x;
              });
        } else if (key == "bearer_token")
          auth.bearer_token = v;
        else if (key == "bearer_token_file")
          auth.bearer_token_file = v;
        else if (key == "oauth2")
          auth.oauth2 = v;
        else if (key == "proxy_url")
          spec.proxy_url = proxy_url(v);
        else if (key == "skip_resolve_phase_with_proxy")
          spec.skip_resolve_phase_with_proxy = boolean(v, key);
        else if (key == "enable_http2")
          spec.enable_http2 = boolean(v, key);
        else if (key == "proxy_connect_header") {
          proxy_header_node = v;
          // map[string][]Secret: each value a list; sent only in the CONNECT to the proxy.
          map(v, "proxy_connect_header", {}, [&](const std::string& name, const YAML::Node& x) {
            if (!x.IsSequence()) fail(x, "proxy_connect_header " + name + " must be a list");
            for (const auto& item : x)
              spec.proxy_connect_headers.emplace_back(name, Secret(text(item, name)));
          });
        }
      });
  if (proxy_header_node && spec.proxy_url.empty())
    fail(proxy_header_node,
         "if proxy_connect_header is configured proxy_url must also be configured");
  for (const auto& [name, value_node] : header_nodes) {
    auto value = text(value_node, "header");
    // blackbox refuses a compression its own Accept-Encoding header does not accept.
    if (strcasecmp(name.c_str(), "Accept-Encoding") == 0 &&
        !compression_acceptable(spec.compression, value)) {
      fail(later(Key(value_node), compression_node),
           "invalid configuration \"" + name + ": " + value +
               "\", \"compression: " + spec.compression + "\"");
    }
    spec.headers[name] = value;
  }
  http_auth(auth, spec);
}

// prometheus/common's HTTPClientConfig.Validate, in its order and with its messages, then the
// credentials themselves (files are read here, once per load).
void Reader::http_auth(const HttpAuthKeys& a, HttpSpec& spec) const {
  auto set = [](const Key& n) { return n && !(n->IsScalar() && n->Scalar().empty()); };
  bool bearer = set(a.bearer_token) || set(a.bearer_token_file);
  if (set(a.bearer_token) && set(a.bearer_token_file))
    fail(later(a.bearer_token, a.bearer_token_file),
         "at most one of bearer_token & bearer_token_file must be configured");
  if ((a.basic_auth || a.oauth2) && bearer)
    fail(later(later(a.basic_auth, a.oauth2), later(a.bearer_token, a.bearer_token_file)),
         "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  if (set(a.basic_password) && set(a.basic_password_file))
    fail(later(a.basic_password, a.basic_password_file),
         "at most one of basic_auth password & password_file must be configured");
  if (a.authorization) {
    if (bearer)
      fail(later(a.authorization, later(a.bearer_token, a.bearer_token_file)),
           "authorization is not compatible with bearer_token & bearer_token_file");
    if (set(a.authorization_credentials) && set(a.authorization_credentials_file))
      fail(later(a.authorization_credentials, a.authorization_credentials_file),
           "at most one of authorization credentials & credentials_file must be configured");
    std::string type(trimmed_text(spec.authorization_type.value_or("")));
    if (type.empty()) type = "Bearer";
    if (strcasecmp(type.c_str(), "basic") == 0)
      fail(a.authorization,
           "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    if (a.basic_auth || a.oauth2)
      fail(later(a.authorization, later(a.basic_auth, a.oauth2)),
           "at most one of basic_auth, oauth2 & authorization must be configured");
    spec.authorization_type = type;
  }
  if (a.oauth2) {
    if (a.basic_auth)
      fail(later(a.oauth2, a.basic_auth),
           "at most one of basic_auth, oauth2 & authorization must be configured");
    // Refused rather than probed without the token, which would fail every probe with a 401
    // that looks like the target's fault (README "Migrating from blackbox_exporter").
    fail(a.oauth2,
         "oauth2: reachprobe does not implement OAuth 2.0 client credentials; "
         "fetch the token elsewhere and use authorization.credentials_file");
  }
  if (set(a.basic_password)) spec.basic_auth_password = Secret(text(*a.basic_password, "password"));
  if (set(a.basic_password_file))
    spec.basic_auth_password = secret_file(*a.basic_password_file, "password_file");
  if (set(a.bearer_token)) spec.bearer_token = Secret(text(*a.bearer_token, "bearer_token"));
  if (set(a.bearer_token_file))
    spec.bearer_token = secret_file(*a.bearer_token_file, "bearer_token_file");
  if (set(a.authorization_credentials))
    spec.authorization_credentials = Secret(text(*a.authorization_credentials, "credentials"));
  if (set(a.authorization_credentials_file))
    spec.authorization_credentials =
        secret_file(*a.authorization_credentials_file, "credentials_file");
  if (a.authorization && !spec.authorization_credentials) spec.authorization_credentials = Secret();
}

// Go's net/http proxies: http, https and socks5. A URL Go would take and then fail every
// probe with ("proxyconnect: unsupported scheme") is refused here.
std::string Reader::proxy_url(const YAML::Node& node) const {
  std::string url = text(node, "proxy_url");
  if (url.empty()) return url;
  static const std::array<std::string_view, 4> kSchemes = {"http://", "https://", "socks5://",
                                                           "socks5h://"};
  bool known = std::any_of(kSchemes.begin(), kSchemes.end(),
                           [&](std::string_view scheme) { return url.starts_with(scheme); });
  auto authority = url.substr(url.find("://") + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  auto host =
      authority.substr(authority.rfind('@') == std::string::npos ? 0 : authority.rfind('@') + 1);
  bool bracket_ok = !host.starts_with("[") || host.find(']') != std::string::npos;
  if (!known || !bracket_ok || url.find_first_of(" \t\r\n") != std::string::npos) {
    fail(node,
         "proxy_url: " + quote_printable(url) + " is not an http://, https:// or socks5:// URL");
  }
  return url;
}

void Reader::tcp(const YAML::Node& node, TcpModuleSpec& spec) const {
  map(node, "config.TCPProbe",
      {"preferred_ip_protocol", "ip_protocol_fallback", "source_ip_address", "query_response",
       "tls", "tls_config"},
      [&](const std::string& key, const YAML::Node& v) {
        if (address(key, v, spec.address)) return;
        if (key == "tls")
          spec.tls = boolean(v, key);
        else if (key == "tls_config")
          tls(v, spec.tls_config);
        else if (key == "query_response") {
          if (!v.IsSequence()) fail(v, "query_response must be a list");
          for (const auto& step : v) {
            QueryResponse qr;
            map(step, "config.QueryResponse", {"expect", "send", "starttls"},
                [&](const std::string& k, const YAML::Node& x) {
                  if (k == "expect") {
                    qr.expect = regexp(x, k);
                  } else if (k == "send")
                    qr.send = text(x, k);
                  else if (k == "starttls")
                    qr.starttls = boolean(x, k);
                });
            spec.query_response.push_back(qr);
          }
        }
      });
}

void Reader::icmp(const YAML::Node& node, IcmpModuleSpec& spec) const {
  map(node, "config.ICMPProbe",
      {"preferred_ip_protocol", "ip_protocol_fallback", "source_ip_address", "payload_size",
       "dont_fragment", "ttl"},
      [&](const std::string& key, const YAML::Node& v) {
        if (address(key, v, spec.address)) return;
        if (key == "payload_size")
          spec.payload_size = integer(v, key);
        else if (key == "dont_fragment")
          spec.dont_fragment = boolean(v, key);
        else if (key == "ttl") {
          spec.ttl = integer(v, key);
          if (spec.ttl < 0) fail(v, "\"ttl\" cannot be negative");
          if (spec.ttl > 255) fail(v, "\"ttl\" cannot exceed 255");
        }
      });
}

void Reader::dns(const YAML::Node& node, DnsModuleSpec& spec) const {
  map(node, "config.DNSProbe",
      {"preferred_ip_protocol", "ip_protocol_fallback", "source_ip_address", "query_name",
       "query_type", "query_class", "recursion_desired", "transport_protocol", "dns_over_tls",
       "tls_config", "valid_rcodes", "validate_answer_rrs", "validate_authority_rrs",
       "validate_additional_rrs"},
      [&](const std::string& key, const YAML::Node& v) {
        if (address(key, v, spec.address)) return;
        if (key == "query_name")
          spec.query_name = text(v, key);
        else if (key == "query_type")
          spec.query_type = text(v, key);
        else if (key == "query_class")
          spec.query_class = text(v, key);
        else if (key == "recursion_desired")
          spec.recursion_desired = boolean(v, key);
        else if (key == "transport_protocol")
          spec.transport_protocol = text(v, key);
        else if (key == "dns_over_tls")
          spec.dns_over_tls = boolean(v, key);
        else if (key == "tls_config")
          tls(v, spec.tls_config);
        else if (key == "valid_rcodes") {
          spec.valid_rcodes = strings(v, key);
          // blackbox checks these only when probing, so every probe fails; say it at load.
          for (std::size_t i = 0; i < spec.valid_rcodes.size(); ++i) {
            if (!dns_rcode_from_name(spec.valid_rcodes[i]))
              fail(v[i], "rcode '" + spec.valid_rcodes[i] + "' is not valid");
          }
        } else {
          DnsRecordValidator& validator = key == "validate_answer_rrs" ? spec.validate_answer_rrs
                                          : key == "validate_authority_rrs"
                                              ? spec.validate_authority_rrs
                                              : spec.validate_additional_rrs;
          map(v, "config.DNSRRValidator",
              {"fail_if_matches_regexp", "fail_if_all_match_regexp", "fail_if_not_matches_regexp",
               "fail_if_none_matches_regexp"},
              [&](const std::string& k, const YAML::Node& x) {
                auto list = regexps(x, k);
                if (k == "fail_if_matches_regexp")
                  validator.fail_if_matches_regexp = list;
                else if (k == "fail_if_all_match_regexp")
                  validator.fail_if_all_match_regexp = list;
                else if (k == "fail_if_not_matches_regexp")
                  validator.fail_if_not_matches_regexp = list;
                else
                  validator.fail_if_none_matches_regexp = list;
              });
        }
      });
  if (spec.query_name.empty()) fail(node, "query name must be set for DNS module");
  if (!dns_class_from_name(spec.query_class))
    fail(node["query_class"], "query class '" + spec.query_class + "' is not valid");
  if (!dns_type_from_name(spec.query_type))
    fail(node["query_type"], "query type '" + spec.query_type + "' is not valid");
  if (spec.transport_protocol != "udp" && spec.transport_protocol != "tcp") {
    fail(node["transport_protocol"], "transport_protocol must be udp or tcp");
  }
  // blackbox accepts this and then fails every probe; refuse it where the operator sees it.
  if (spec.dns_over_tls && spec.transport_protocol != "tcp") {
    fail(node["dns_over_tls"], "dns_over_tls requires transport_protocol: tcp");
  }
}

void Reader::grpc(const YAML::Node& node, Module& module) const {
  map(node, "config.GRPCProbe",
      {"service", "tls", "tls_config", "preferred_ip_protocol", "ip_protocol_fallback"},
      [&](const std::string& key, const YAML::Node& v) {
        if (address(key, v, module.grpc_address)) return;
        if (key == "service")
          module.grpc.service = text(v, key);
        else if (key == "tls_config")
          tls(v, module.grpc.tls_config);
        else if (key == "tls")
          module.grpc.tls = boolean(v, key);
      });
}

void Reader::ssh(const YAML::Node& node, SshSpec& spec) const {
  YAML::Node key_file_node;
  map(node, "reachprobe.SSHProbe",
      {"user", "key_file", "key_passphrase_file", "password_file", "known_hosts", "command",
       "expect", "banner_timeout", "handshake_timeout", "auth_timeout", "exec_timeout", "triage",
       "triage_via", "fail_on", "critical_peers", "psi_io_threshold", "blocked_tasks_threshold",
       "nss_threshold", "triage_timeout"},
      [&](const std::string& key, const YAML::Node& v) {
        if (triage(key, v, spec.triage)) return;
        if (key == "user")
          spec.user = text(v, key);
        else if (key == "key_file") {
          spec.key_file = text(v, key);
          key_file_node = v;
        } else if (key == "known_hosts")
          spec.known_hosts = library_file(v, key);
        else if (key == "command")
          spec.command = text(v, key);
        else if (key == "expect") {
          spec.expect = regexp(v, key);
        } else if (key == "password_file" || key == "key_passphrase_file") {
          (key == "password_file" ? spec.password : spec.key_passphrase) = secret_file(v, key);
        } else if (key == "banner_timeout")
          spec.banner_timeout = duration(v, key);
        else if (key == "handshake_timeout")
          spec.handshake_timeout = duration(v, key);
        else if (key == "auth_timeout")
          spec.auth_timeout = duration(v, key);
        else
          spec.exec_timeout = duration(v, key);
      });
  if (spec.triage.via) spec.triage.enabled = true;
  // Imported here, once per load, after key_passphrase_file whatever the key order: probes share
  // the decrypted key. A key_file missing at load fails its probes (the auth layer says so), as
  // before; one that exists and does not load is a config error at key_file's line.
  if (spec.key_file && !file_missing(*spec.key_file)) {
    auto key = PrivateKey::import(*spec.key_file, spec.key_passphrase);
    if (!key) fail(key_file_node, "key_file: " + key.error());
    spec.key = std::move(key).value();
  }
}

// The host layer's options (CONTRACT §8) inside a module's `ssh:`; false for other keys.
bool Reader::triage(const std::string& key, const YAML::Node& v, HostTriageSpec& spec) const {
  if (key == "triage") {
    spec.enabled = boolean(v, key);
  } else if (key == "triage_via") {
    std::string url = text(v, key);
    auto door = parse_target(url);
    if (!door || door->scheme != Scheme::ssh)
      fail(v, "triage_via " + quote_printable(url) + " is not ssh://[user@]host[:port]");
    if (door->user && door->user->find(':') != std::string::npos)
      fail(v, "triage_via: no password in the URL (use password_file)");
    spec.via = url;
  } else if (key == "fail_on") {
    spec.fail_on = strings(v, key);
    for (const auto& name : spec.fail_on) {
      if (std::find(std::begin(kHostReasonNames), std::end(kHostReasonNames), name) ==
          std::end(kHostReasonNames)) {
        fail(v, "fail_on: " + quote_printable(name) +
                    " is not a host reason (return_route_mismatch, neighbor_failed, io_pressure, "
                    "blocked_tasks, hung_mount, slow_nss, timeout)");
      }
    }
  } else if (key == "critical_peers") {
    spec.critical_peers = strings(v, key);
    for (const auto& peer : spec.critical_peers) {
      if (!is_ip_literal(peer))
        fail(v, "critical_peers: " + quote_printable(peer) + " is not an IP address");
    }
  } else if (key == "psi_io_threshold") {
    std::string value = text(v, key);
    char* end = nullptr;
    double percent = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !(percent >= 0 && percent <= 100))
      fail(v, "psi_io_threshold " + quote_printable(value) + " is not a percentage from 0 to 100");
    spec.psi_io_some_avg10 = percent;
  } else if (key == "blocked_tasks_threshold") {
    spec.blocked_tasks = integer(v, key);
    if (spec.blocked_tasks < 0) fail(v, "blocked_tasks_threshold must be 0 (off) or more");
  } else if (key == "nss_threshold") {
    spec.nss_threshold = duration(v, key);
  } else if (key == "triage_timeout") {
    spec.timeout = duration(v, key);
  } else {
    return false;
  }
  return true;
}

SchedulerSpec Reader::scheduler(const YAML::Node& node) const {
  SchedulerSpec spec;
  map(node, "config.Scheduler", {"vantage", "shard", "max_concurrency"},
      [&](const std::string& key, const YAML::Node& v) {
        if (key == "vantage") {
          spec.vantage = text(v, key);
        } else if (key == "max_concurrency") {
          spec.max_concurrency = integer(v, key);
          if (spec.max_concurrency < 1) fail(v, "max_concurrency must be at least 1");
        } else {
          // "i/n": this instance's share of the keys, 0 <= i < n.
          std::string shard = text(v, key);
          auto slash = shard.find('/');
          int index = -1;
          int count = 0;
          bool parsed = false;
          if (slash != std::string::npos) {
            auto a = std::from_chars(shard.data(), shard.data() + slash, index);
            auto b = std::from_chars(shard.data() + slash + 1, shard.data() + shard.size(), count);
            parsed = a.ec == std::errc() && a.ptr == shard.data() + slash && b.ec == std::errc() &&
                     b.ptr == shard.data() + shard.size();
          }
          if (!parsed || count < 1 || index < 0 || index >= count) {
            fail(v, "shard " + quote_printable(shard) + " is not i/n with 0 <= i < n (e.g. 0/3)");
          }
          spec.shard_index = index;
          spec.shard_count = count;
        }
      });
  return spec;
}

std::chrono::nanoseconds Reader::interval(const YAML::Node& node, const std::string& what) const {
  auto d = parse_go_duration(text(node, what));
  if (!d) fail(node, what + ": " + d.error());
  if (d->count() <= 0) fail(node, what + " must be above 0");
  return *d;
}

// `module: M` or `modules: [M, ...]`; names are checked against modules: once all is read.
std::vector<std::string> Reader::module_names(const YAML::Node& node,
                                              const std::string& what) const {
  if (what == "module") return {text(node, what)};
  auto names = strings(node, what);
  if (names.empty()) fail(node, "modules must list at least one module");
  return names;
}

std::vector<ScheduledGroup> Reader::target_groups(const YAML::Node& node) const {
  if (!node.IsSequence()) fail(node, "targets must be a list of target groups");
  std::vector<ScheduledGroup> groups;
  for (const auto& item : node) {
    ScheduledGroup group;
    group.origin = origin(item);
    bool has_module = false;
    map(item, "config.TargetGroup", {"targets", "module", "modules", "interval", "labels"},
        [&](const std::string& key, const YAML::Node& v) {
          if (key == "targets") {
            if (!v.IsSequence()) fail(v, "targets must be a list");
            for (const auto& t : v) {
              auto target = text(t, "target");
              if (target.empty()) fail(t, "a target must not be empty");
              group.targets.push_back(target);
              group.target_lines.push_back(line_of(t.Mark().line));
            }
          } else if (key == "module" || key == "modules") {
            if (has_module) fail(v, "give module or modules, not both");
            has_module = true;
            group.modules = module_names(v, key);
          } else if (key == "interval") {
            group.interval = interval(v, key);
          } else {
            map(v, "labels", {}, [&](const std::string& name, const YAML::Node& value) {
              if (!is_valid_label_name(name) || name.starts_with("__"))
                fail(value, "label name " + quote_printable(name) + " is not valid");
              if (is_reserved_label(name))
                fail(value, "label " + name + " is set by the scheduler; choose another name");
              group.labels[name] = text(value, "label " + name);
            });
          }
        });
    if (group.targets.empty()) fail(item, "a target group needs targets");
    groups.push_back(std::move(group));
  }
  return groups;
}

std::vector<FileSdSpec> Reader::file_sd(const YAML::Node& node) const {
  if (!node.IsSequence()) fail(node, "file_sd_configs must be a list");
  std::vector<FileSdSpec> out;
  for (const auto& item : node) {
    FileSdSpec spec;
    spec.origin = origin(item);
    bool has_module = false;
    map(item, "config.FileSDConfig", {"files", "refresh_interval", "module", "modules", "interval"},
        [&](const std::string& key, const YAML::Node& v) {
          if (key == "files") {
            spec.files = strings(v, key);
            for (std::size_t i = 0; i < spec.files.size(); ++i) {
              const auto& f = spec.files[i];
              auto slash = f.rfind('/');
              std::string dir = slash == std::string::npos ? "" : f.substr(0, slash);
              if (f.empty() || dir.find_first_of("*?[") != std::string::npos)
                fail(v[i], "file " + quote_printable(f) +
                               ": a glob is allowed in the last path segment only");
            }
          } else if (key == "refresh_interval") {
            spec.refresh_interval = interval(v, key);
          } else if (key == "module" || key == "modules") {
            if (has_module) fail(v, "give module or modules, not both");
            has_module = true;
            spec.modules = module_names(v, key);
          } else {
            spec.interval = interval(v, key);
          }
        });
    if (spec.files.empty()) fail(item, "a file_sd_configs entry needs files");
    out.push_back(std::move(spec));
  }
  return out;
}

Module Reader::module(const std::string& name, const YAML::Node& node) const {
  Module m;
  m.name = name;
  bool has_prober = false;
  map(node, "config.Module",
      {"prober", "timeout", "http", "tcp", "icmp", "dns", "grpc", "ssh", "path", "layers"},
      [&](const std::string& key, const YAML::Node& v) {
        if (key == "prober") {
          has_prober = true;
          static const std::map<std::string, ProberKind> kKinds = {
              {"http", ProberKind::http}, {"tcp", ProberKind::tcp},   {"icmp", ProberKind::icmp},
              {"dns", ProberKind::dns},   {"grpc", ProberKind::grpc}, {"ssh", ProberKind::ssh},
              {"path", ProberKind::path}};
          auto it = kKinds.find(text(v, key));
          if (it == kKinds.end()) fail(v, "unknown prober " + quote_printable(text(v, key)));
          m.prober = it->second;
        } else if (key == "timeout") {
          bool plain_number = !quoted(v) && !v.Scalar().empty() &&
                              v.Scalar().find_first_not_of("+-0123456789_") == std::string::npos;
          if (plain_number)
            fail(v, "timeout: cannot unmarshal the integer " + v.Scalar() +
                        " into a duration (write a unit: 5s)");
          auto d = parse_go_duration(text(v, key));
          if (!d) fail(v, "timeout: " + d.error());
          m.timeout = std::max(*d, std::chrono::nanoseconds(0));  // <= 0: not set, as blackbox
        } else if (key == "http")
          http(v, m);
        else if (key == "tcp")
          tcp(v, m.tcp);
        else if (key == "icmp")
          icmp(v, m.icmp);
        else if (key == "dns")
          dns(v, m.dns);
        else if (key == "grpc")
          grpc(v, m);
        else if (key == "ssh")
          ssh(v, m.ssh);
        else if (key == "path")
          map(v, "reachprobe.PathProbe", {}, [](const std::string&, const YAML::Node&) {});
        else if (key == "layers") {
          static const std::set<std::string> kLayers = {
              "dns",           "icmp",     "path",     "tcp",  "tls", "ssh_banner",
              "ssh_handshake", "ssh_auth", "ssh_exec", "http", "grpc"};
          m.layers = strings(v, key);
          for (std::size_t i = 0; i < m.layers.size(); ++i) {
            if (!kLayers.contains(m.layers[i]))
              fail(v[i], "unknown layer " + quote_printable(m.layers[i]));
          }
        }
      });
  if (!has_prober) fail(node, "module " + name + " has no prober");
  // Also when `dns:` is there but empty (blackbox then loads a module that can send no query,
  // and /config could not write it back as a config that loads).
  if (m.prober == ProberKind::dns && m.dns.query_name.empty())
    fail(node["dns"] ? node["dns"] : node, "query name must be set for DNS module");
  return m;
}

}  // namespace

const char* to_string(ProberKind kind) {
  switch (kind) {
    case ProberKind::http:
      return "http";
    case ProberKind::tcp:
      return "tcp";
    case ProberKind::icmp:
      return "icmp";
    case ProberKind::dns:
      return "dns";
    case ProberKind::grpc:
      return "grpc";
    case ProberKind::ssh:
      return "ssh";
    case ProberKind::path:
      return "path";
  }
  return "unknown";
}

// The first byte of `text` that is not well-formed UTF-8, if any. YAML is Unicode: such a byte
// in a module name came back from /config as a different name (\x92 is U+0092 to a YAML
// reader), so it is refused, as Go's yaml (blackbox) refuses it. UTF-16 and UTF-32 files (a BOM
// yaml-cpp decodes) are left to yaml-cpp.
namespace {
std::optional<std::size_t> first_non_utf8(std::string_view text) {
  if (text.starts_with("\xfe\xff") || text.starts_with("\xff\xfe") ||
      text.starts_with(std::string_view("\0\0\xfe\xff", 4))) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}
// After the whole file is read (modules: may come after targets:): every module an entry names
// exists, and no module's timeout is longer than the interval it runs at.
void check_scheduled_modules(const Reader& reader, const Config& config, const YAML::Node& entry,
                             const std::vector<std::string>& modules,
                             std::chrono::nanoseconds interval) {
  YAML::Node at = entry["module"] ? entry["module"] : entry["modules"] ? entry["modules"] : entry;
  for (const auto& name : modules) {
    auto it = config.modules.find(name);
    if (it == config.modules.end()) reader.fail(at, "unknown module " + quote_printable(name));
    if (it->second.timeout > interval) {
      std::string every = entry["interval"] ? entry["interval"].Scalar() : "60s (the default)";
      reader.fail(entry["interval"] ? entry["interval"] : at,
                  "module " + name + "'s timeout is longer than the interval " + every);
    }
  }
}

void check_schedule(const Reader& reader, const Config& config, const YAML::Node& targets,
                    const YAML::Node& file_sd) {
  for (std::size_t i = 0; i < config.target_groups.size(); ++i) {
    const auto& group = config.target_groups[i];
    check_scheduled_modules(reader, config, targets[i], group.modules, group.interval);
  }
  for (std::size_t i = 0; i < config.file_sd.size(); ++i) {
    const auto& spec = config.file_sd[i];
    check_scheduled_modules(reader, config, file_sd[i], spec.modules, spec.interval);
  }
}
}  // namespace

Expected<Config> load_config_text(const std::string& text, const std::string& name) {
  if (auto at = first_non_utf8(text)) {
    auto line = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*at), '\n') + 1;
    return Expected<Config>::failure(name + ":" + std::to_string(line) + ": invalid UTF-8");
  }
  // Lines as an editor counts them: a last line without its newline still counts.
  int line_count = static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                   (!text.empty() && text.back() != '\n' ? 1 : 0);
  Reader reader(name, std::max(line_count, 1));
  Config config;
  config.file = name;
  YAML::Node targets_node;  // targets: and file_sd_configs:, checked once all is read
  YAML::Node file_sd_node;
  try {
    YAML::Node root = YAML::Load(text);
    // Go's yaml decoder answers an empty document (nothing, or only comments) with EOF, and
    // blackbox refuses it: an emptied file must not silently become "no modules".
    if (!root.IsDefined() || (root.IsNull() && root.Tag() != "!")) {
      // Null, yet more than blanks, comments and document markers (`~`, `null`): that loads.
      bool only_comments = true;
      std::istringstream lines(text);
      for (std::string line; only_comments && std::getline(lines, line);) {
        auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) continue;
        auto rest = std::string_view(line).substr(first);
        only_comments = rest.starts_with('#') || rest == "---" || rest == "...";
      }
      if (only_comments) return Expected<Config>::failure(name + ":1: empty config file");
    }
    reader.map(
        root, "config.Config",
        {"modules", "allowed_targets", "scheduler", "targets", "file_sd_configs"},
        [&](const std::string& key, const YAML::Node& v) {
          if (key == "scheduler") {
            config.scheduler = reader.scheduler(v);
            return;
          }
          if (key == "targets") {
            config.target_groups = reader.target_groups(v);
            targets_node = v;
            return;
          }
          if (key == "file_sd_configs") {
            config.file_sd = reader.file_sd(v);
            file_sd_node = v;
            return;
          }
          if (key == "allowed_targets") {
            config.allowed_targets = reader.strings(v, key);
            for (std::size_t i = 0; i < config.allowed_targets.size(); ++i) {
              const auto& entry = config.allowed_targets[i];
              if (entry.find('/') != std::string::npos && !AllowList::valid_cidr(entry)) {
                reader.fail(v[i], "allowed_targets: " + quote_printable(entry) + " is not a CIDR");
              }
            }
            return;
          }
          if (key != "modules") return;
          if (!v.IsMap()) reader.fail(v, "modules must be a mapping");
          reader.map(v, "modules", {}, [&](const std::string& module_name, const YAML::Node& body) {
            config.modules[module_name] = reader.module(module_name, body);
          });
          // A module given as null (`name:` alone) is refused by module() as having
          // no prober; map() skips null values, so name it here.
          for (const auto& entry : v) {
            if (entry.second.IsNull()) {
              reader.fail(entry.first, "module " + reader.key_text(entry.first) + " has no prober");
            }
          }
        });
    check_schedule(reader, config, targets_node, file_sd_node);
  } catch (const ConfigError& e) {
    return Expected<Config>::failure(e.message);
  } catch (const YAML::Exception& e) {
    return Expected<Config>::failure(name + ":" + std::to_string(reader.line_of(e.mark.line)) +
                                     ": " + e.msg);
  }
  return config;
}

Expected<Config> load_config_file(const std::string& path) {
  auto text = read_bounded_file(path, kLargeFileCap);
  if (!text) return Expected<Config>::failure("config file: " + text.error());
  return load_config_text(text.value(), path);
}

Config default_config() {
  // blackbox_exporter's shipped blackbox.yml, plus reachprobe's ssh module.
  auto config = load_config_text(R"(modules:
  http_2xx:
    prober: http
  http_post_2xx:
    prober: http
    http:
      method: POST
  tcp_connect:
    prober: tcp
  grpc:
    prober: grpc
    grpc:
      tls: true
      preferred_ip_protocol: "ip4"
  grpc_plain:
    prober: grpc
    grpc:
      tls: false
      service: "service1"
  ssh_banner:
    prober: tcp
    tcp:
      query_response:
      - expect: "^SSH-2.0-"
      - send: "SSH-2.0-blackbox-ssh-check"
  icmp:
    prober: icmp
  icmp_ttl5:
    prober: icmp
    timeout: 5s
    icmp:
      ttl: 5
  ssh:
    prober: ssh
)",
                                 "<built-in>");
  return config ? std::move(config).value() : Config{};
}

}  // namespace reachprobe::targets
