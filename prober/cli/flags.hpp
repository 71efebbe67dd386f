#pragma once
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "layers/probe_session.hpp"
#include "targets/expected.hpp"

namespace reachprobe::cli {

// The flags of `reachprobe check` (CONTRACT §2).
struct CheckFlags {
  std::vector<std::string> targets;
  bool json = false;
  std::optional<std::string> dns_server;
  std::optional<std::string> config_file;  // blackbox module file; built-in modules without it
  std::optional<std::string> module;       // forces this module for every target
  layers::ProbeOptions probe;
};

// Parses `--flag value`, `--flag=value` and boolean flags; `--` ends the flags. Errors are one
// line naming the flag or value. Flags of layers this build lacks are refused, not ignored.
targets::Expected<CheckFlags> parse_check_flags(std::span<const std::string> args);

}  // namespace reachprobe::cli
