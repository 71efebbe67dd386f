#include "exporters/web_config.hpp"

#include <crypt.h>
#include <openssl/sha.h>
#include <yaml-cpp/yaml.h>

#include <cstring>
#include <memory>

#include "targets/bounded_file.hpp"

namespace reachprobe::exporters {

targets::Expected<WebConfig> load_web_config_text(const std::string& yaml_text,
                                                  const std::string& file_name) {
  using Result = targets::Expected<WebConfig>;
  const std::string& path = file_name;
  WebConfig config;
  auto fail = [&path](const YAML::Node& at, const std::string& what) {
    return Result::failure(path + ":" + std::to_string(at.Mark().line + 1) + ": " + what);
  };
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (root.IsNull()) return config;
    if (!root.IsMap()) return fail(root, "web config must be a mapping");
    for (const auto& entry : root) {
      auto key = entry.first.as<std::string>();
      const auto& value = entry.second;
      if (key == "tls_server_config") {
        for (const auto& tls : value) {
          auto name = tls.first.as<std::string>();
          auto file = tls.second.IsScalar() ? tls.second.as<std::string>() : std::string();
          // OpenSSL opens these by name at start-up: refuse a FIFO (it would block the start),
          // a directory, a device or an oversized file here, at the key's line.
          if (name == "cert_file" || name == "key_file" || name == "client_ca_file") {
            if (auto error = targets::check_regular_file(file, targets::kSmallFileCap)) {
              return fail(tls.second, name + ": " + *error);
            }
          }
          if (name == "cert_file")
            config.cert_file = file;
          else if (name == "key_file")
            config.key_file = file;
          else if (name == "client_ca_file")
            config.client_ca_file = file;
          else if (name == "client_auth_type")
            config.client_auth_type = file;
          else if (name == "min_version")
            config.min_version = file;
          else if (name != "max_version" && name != "cipher_suites" &&
                   name != "curve_preferences" && name != "prefer_server_cipher_suites" &&
                   name != "client_allowed_sans") {
            return fail(tls.first, "field " + name + " not found in type web.TLSConfig");
          }
        }
        if (config.cert_file.has_value() != config.key_file.has_value()) {
          return fail(value, "tls_server_config needs both cert_file and key_file");
        }
      } else if (key == "basic_auth_users") {
        for (const auto& user : value) {
          auto hash = user.second.as<std::string>();
          if (hash.rfind("$2", 0) != 0)
            return fail(user.second, "basic_auth_users: not a bcrypt hash");
          config.basic_auth_users[user.first.as<std::string>()] = hash;
        }
      } else if (key != "http_server_config" && key != "rate_limit") {
        return fail(entry.first, "field " + key + " not found in type web.Config");
      }
    }
  } catch (const YAML::Exception& e) {
    return Result::failure(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return config;
}

targets::Expected<WebConfig> load_web_config(const std::string& path) {
  // Bounded and non-blocking like every file a flag names (README "Files named by the config").
  auto text = targets::read_bounded_file(path, targets::kSmallFileCap);
  if (!text) return targets::Expected<WebConfig>::failure("web config file: " + text.error());
  return load_web_config_text(text.value(), path);
}

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) break;  // '=' padding or garbage ends the value
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

bool BasicAuth::allows(const std::optional<std::string>& authorization) {
  if (users_.empty()) return true;
  if (!authorization || authorization->rfind("Basic ", 0) != 0) return false;
  std::string decoded = base64_decode(std::string_view(*authorization).substr(6));
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  std::string user = decoded.substr(0, colon);
  std::string password = decoded.substr(colon + 1);
  auto it = users_.find(user);
  if (it == users_.end()) return false;
  // The cache keeps a digest, never the password itself.
  std::string material = user + '\0' + it->second + '\0' + password;
  std::string key(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(),
         reinterpret_cast<unsigned char*>(key.data()));
  if (verified_.contains(key)) return true;
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* hashed = crypt_r(password.c_str(), it->second.c_str(), data.get());
  bool ok = hashed != nullptr && it->second == hashed;
  if (ok && verified_.size() < 1024) verified_.insert(key);
  return ok;
}

}  // namespace reachprobe::exporters
