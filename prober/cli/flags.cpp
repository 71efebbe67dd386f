#include "cli/flags.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "targets/duration.hpp"

namespace reachprobe::cli {
namespace {

using Result = targets::Expected<CheckFlags>;

// Flags of the contract whose layers (or the config loader) come in later work: accepted as
// names so the error says what is missing instead of "unknown flag".
constexpr std::array<std::string_view, 10> kNotYetSupported = {
    "--config.file", "--module",       "--tls.ca-file",       "--tls.insecure",
    "--ssh.user",    "--ssh.key-file", "--ssh.password-file", "--ssh.known-hosts",
    "--ssh.command", "--ssh.expect"};

bool takes_no_value(std::string_view name) {
  return name == "--json" || name == "--no-path" || name == "--tls.insecure";
}

}  // namespace

targets::Expected<CheckFlags> parse_check_flags(std::span<const std::string> args) {
  CheckFlags flags;
  bool flags_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      flags_done = flags_done || false;
      flags.targets.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (name.rfind("--", 0) != 0) name = "-" + name;  // accept -json as --json, like Go flags
    if (takes_no_value(name)) {
      if (value && *value != "true") {
        return Result::failure("flag " + name + " takes no value");
      }
    } else if (!value) {
      if (i + 1 >= args.size()) return Result::failure("flag " + name + " needs a value");
      value = args[++i];
    }
    if (std::find(kNotYetSupported.begin(), kNotYetSupported.end(), name) != kNotYetSupported.end()) {
      return Result::failure("flag " + name +
                             " is not supported by this build yet (it needs the SSH/TLS layers "
                             "or config modules)");
    }
    if (name == "--json") {
      flags.json = true;
    } else if (name == "--no-path") {
      flags.probe.trace_path = false;
    } else if (name == "--timeout") {
      auto d = targets::parse_duration(*value);
      if (!d) return Result::failure("flag --timeout: " + d.error());
      flags.probe.timeout = *d;
    } else if (name == "--count") {
      int n = 0;
      auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
      if (ec != std::errc() || end != value->data() + value->size() || n < 1 || n > 1000) {
        return Result::failure("flag --count: \"" + *value + "\" is not a number from 1 to 1000");
      }
      flags.probe.count = n;
    } else if (name == "--ip-protocol") {
      if (*value == "ip4") flags.probe.ip_protocol = engine::IpProtocol::ip4;
      else if (*value == "ip6") flags.probe.ip_protocol = engine::IpProtocol::ip6;
      else return Result::failure("flag --ip-protocol: \"" + *value + "\" must be ip4 or ip6");
    } else if (name == "--dns.server") {
      if (value->empty()) return Result::failure("flag --dns.server: empty value");
      flags.dns_server = *value;
    } else {
      return Result::failure("unknown flag " + name + " (see reachprobe check --help)");
    }
  }
  if (flags.targets.empty()) return Result::failure("check needs at least one TARGET");
  return flags;
}

}  // namespace reachprobe::cli
