#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>

#include "targets/expected.hpp"

namespace reachprobe::exporters {

// --web.config.file in the exporter-toolkit format: TLS for the exporter's own endpoints and
// bcrypt basic-auth users. Applies to every endpoint.
struct WebConfig {
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  std::optional<std::string> client_ca_file;
  std::string client_auth_type = "NoClientCert";
  std::string min_version = "TLS12";
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash

  bool tls() const { return cert_file.has_value(); }
};

targets::Expected<WebConfig> load_web_config(const std::string& path);
// The same from text already read; `name` is the file name errors start with.
targets::Expected<WebConfig> load_web_config_text(const std::string& text, const std::string& name);

// Checks an "Authorization" header value against the users. A success is cached per
// (user, password hash) so bcrypt's cost is paid once, as exporter-toolkit does.
class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}
  bool required() const { return !users_.empty(); }
  bool allows(const std::optional<std::string>& authorization);

 private:
  std::map<std::string, std::string> users_;
  std::set<std::string> verified_;  // SHA-256 of user, hash and password that matched
};

std::string base64_decode(std::string_view text);

}  // namespace reachprobe::exporters
