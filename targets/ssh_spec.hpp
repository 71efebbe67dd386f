#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/pattern.hpp"
#include "targets/private_key.hpp"
#include "targets/secret.hpp"

namespace reachprobe::targets {

// The host layer's options (CONTRACT §8): `--ssh.triage`, `--ssh.triage-via`, or a module's
// `ssh: {triage: true, ...}`. Thresholds turn facts into findings; README documents defaults.
struct HostTriageSpec {
  bool enabled = false;
  // ssh://[user@]host[:port]: the side door used when the target's own address fails at the
  // path or transport layers. Implies `enabled`.
  std::optional<std::string> via;
  std::vector<std::string> fail_on;         // host reasons that fail the probe, not only warn
  std::vector<std::string> critical_peers;  // neighbour addresses that matter; empty: all
  // psi_io_some_avg10 or blocked_tasks at 0 turns that check off.
  double psi_io_some_avg10 = 10.0;  // percent of the last 10 s some task waited on I/O
  int blocked_tasks = 1;            // tasks in D state at which blocked_tasks is found
  std::chrono::nanoseconds nss_threshold = std::chrono::seconds(1);  // getent / auth time
  std::chrono::nanoseconds timeout{0};  // cap of the triage; zero: what the module has left

  bool fails_on(std::string_view reason) const {
    for (const auto& r : fail_on) {
      if (r == reason) return true;
    }
    return false;
  }
};

// The names `fail_on` accepts: the host layer's reasons of CONTRACT §3.
inline constexpr const char* kHostReasonNames[] = {"return_route_mismatch",
                                                   "neighbor_failed",
                                                   "io_pressure",
                                                   "blocked_tasks",
                                                   "hung_mount",
                                                   "slow_nss",
                                                   "timeout"};

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
  HostTriageSpec triage;

  bool has_credentials() const { return key_file.has_value() || password.has_value(); }
  std::string effective_command() const { return command.value_or("true"); }
};

// Reads a secret from a file (first line, trailing newline dropped). Errors name the file,
// never the content.
std::optional<std::string> read_secret_file(const std::string& path, Secret& out);

}  // namespace reachprobe::targets
