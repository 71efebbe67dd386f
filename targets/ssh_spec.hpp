#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "targets/pattern.hpp"
#include "targets/private_key.hpp"
#include "targets/secret.hpp"

namespace reachprobe::targets {

// Options of the ssh prober kind, from `check --ssh.*` flags or a config module.
struct SshSpec {
  std::optional<std::string> user;
  std::optional<std::string> key_file;
  // key_file imported at config load (or flag parsing), shared by every probe of that load;
  // null when key_file is unset or did not exist at load (the auth layer then says so).
  std::shared_ptr<const PrivateKey> key;
  std::optional<Secret> key_passphrase;
  std::optional<Secret> password;
  std::optional<std::string> known_hosts;  // unset: host key reported, not verified
  std::optional<std::string> command;      // default "true" when credentials are given
  std::optional<Pattern> expect;           // Go regexp that stdout must match
  // Per-phase caps; zero means "whatever is left of the module timeout".
  std::chrono::nanoseconds banner_timeout{0};
  std::chrono::nanoseconds handshake_timeout{0};
  std::chrono::nanoseconds auth_timeout{0};
  std::chrono::nanoseconds exec_timeout{0};
  std::size_t output_limit = 64 * 1024;  // bytes of stdout kept for --ssh.expect

  bool has_credentials() const { return key_file.has_value() || password.has_value(); }
  std::string effective_command() const { return command.value_or("true"); }
};

// Reads a secret from a file (first line, trailing newline dropped). Errors name the file,
// never the content.
std::optional<std::string> read_secret_file(const std::string& path, Secret& out);

}  // namespace reachprobe::targets
