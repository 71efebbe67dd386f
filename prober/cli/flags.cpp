#include "cli/flags.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <unistd.h>

#include <cstdlib>

#include "targets/bounded_file.hpp"
#include "targets/duration.hpp"
#include "targets/pattern.hpp"
#include "targets/private_key.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe::cli {
namespace {

using Result = targets::Expected<CheckFlags>;

// Secrets never come from argv (visible in ps): files or these environment variables.
constexpr const char* kPasswordEnv = "REACHPROBE_SSH_PASSWORD";
constexpr const char* kPassphraseEnv = "REACHPROBE_SSH_KEY_PASSPHRASE";

// Checks what can be checked before probing, so a typo is a usage error, not a failed probe.
std::optional<std::string> validate_ssh(targets::SshSpec& ssh) {
  if (!ssh.password) {
    if (const char* env = std::getenv(kPasswordEnv); env != nullptr && *env != '\0') {
      ssh.password = targets::Secret(env);
    }
  }
  if (!ssh.key_passphrase) {
    if (const char* env = std::getenv(kPassphraseEnv); env != nullptr && *env != '\0') {
      ssh.key_passphrase = targets::Secret(env);
    }
  }
  // libssh reads known_hosts by name during the probe: refuse a FIFO or device here.
  if (ssh.known_hosts) {
    if (auto error = targets::check_regular_file(*ssh.known_hosts, targets::kSmallFileCap)) {
      return "flag --ssh.known-hosts: " + *error;
    }
  }
  // Imported once, here, and shared by every target's probe (never per probe).
  if (ssh.key_file) {
    auto key = targets::PrivateKey::import(*ssh.key_file, ssh.key_passphrase);
    if (!key) return "flag --ssh.key-file: " + key.error();
    ssh.key = std::move(key).value();
  }
  if (ssh.command && ssh.command->empty()) return "flag --ssh.command: empty command";
  if (ssh.triage.via) {
    auto door = targets::parse_target(*ssh.triage.via);
    if (!door || door->scheme != targets::Scheme::ssh) {
      return "flag --ssh.triage-via: \"" + *ssh.triage.via + "\" is not ssh://[user@]host[:port]" +
             (door ? "" : " (" + door.error() + ")");
    }
    // A password in the URL would be printed wherever the side door is named.
    if (door->user && door->user->find(':') != std::string::npos)
      return "flag --ssh.triage-via: no password in the URL (use --ssh.password-file)";
    ssh.triage.enabled = true;
  }
  if (ssh.triage.enabled && !ssh.has_credentials())
    return "flag --ssh.triage: needs credentials to log in (--ssh.key-file or --ssh.password-file)";
  return std::nullopt;
}

bool takes_no_value(std::string_view name) {
  return name == "--json" || name == "--no-path" || name == "--tls.insecure" ||
         name == "--http.no-follow-redirects" || name == "--ssh.triage";
}

std::optional<std::string> validate_web(const layers::ProbeOptions& probe) {
  // curl and OpenSSL open these by name on the io_context thread: a FIFO would stall it.
  const std::pair<const char*, const std::optional<std::string>*> files[] = {
      {"--tls.ca-file", &probe.tls.ca_file},
      {"--tls.cert-file", &probe.tls.cert_file},
      {"--tls.key-file", &probe.tls.key_file}};
  for (const auto& [flag, file] : files) {
    if (!*file) continue;
    if (auto error = targets::check_regular_file(**file, targets::kSmallFileCap)) {
      return std::string("flag ") + flag + ": " + *error;
    }
  }
  return std::nullopt;
}

std::optional<std::vector<int>> parse_status_codes(const std::string& text) {
  std::vector<int> codes;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int code = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), code);
    if (ec != std::errc() || end != item.data() + item.size() || code < 100 || code > 599) {
      return std::nullopt;
    }
    codes.push_back(code);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return codes;
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
      if (*value == "ip4")
        flags.probe.ip_protocol = layers::IpProtocol::ip4;
      else if (*value == "ip6")
        flags.probe.ip_protocol = layers::IpProtocol::ip6;
      else
        return Result::failure("flag --ip-protocol: \"" + *value + "\" must be ip4 or ip6");
    } else if (name == "--dns.server") {
      if (value->empty()) return Result::failure("flag --dns.server: empty value");
      flags.dns_server = *value;
    } else if (name == "--ssh.user") {
      flags.probe.ssh.user = *value;
    } else if (name == "--ssh.key-file") {
      flags.probe.ssh.key_file = *value;
    } else if (name == "--ssh.password-file" || name == "--ssh.key-passphrase-file") {
      targets::Secret secret;
      if (auto error = targets::read_secret_file(*value, secret)) {
        return Result::failure("flag " + name + ": " + *error);
      }
      (name == "--ssh.password-file" ? flags.probe.ssh.password : flags.probe.ssh.key_passphrase) =
          std::move(secret);
    } else if (name == "--ssh.known-hosts") {
      flags.probe.ssh.known_hosts = *value;
    } else if (name == "--ssh.command") {
      flags.probe.ssh.command = *value;
    } else if (name == "--ssh.triage") {
      flags.probe.ssh.triage.enabled = true;
    } else if (name == "--ssh.triage-via") {
      flags.probe.ssh.triage.via = *value;
    } else if (name == "--ssh.expect") {
      // Compiled once, here (Go's syntax), and shared by every target's probe.
      auto compiled = targets::Pattern::compile(*value, true);
      if (!compiled) return Result::failure("flag --ssh.expect: " + compiled.error());
      flags.probe.ssh.expect = std::move(compiled).value();
    } else if (name == "--config.file") {
      flags.config_file = *value;
    } else if (name == "--module") {
      flags.module = *value;
    } else if (name == "--tls.ca-file") {
      flags.probe.tls.ca_file = *value;
    } else if (name == "--tls.cert-file") {
      flags.probe.tls.cert_file = *value;
    } else if (name == "--tls.key-file") {
      flags.probe.tls.key_file = *value;
    } else if (name == "--tls.server-name") {
      flags.probe.tls.server_name = *value;
    } else if (name == "--tls.insecure") {
      flags.probe.tls.insecure_skip_verify = true;
    } else if (name == "--tls.min-version") {
      if (*value != "TLS10" && *value != "TLS11" && *value != "TLS12" && *value != "TLS13") {
        return Result::failure("flag --tls.min-version: \"" + *value + "\" must be TLS10..TLS13");
      }
      flags.probe.tls.min_version = *value;
    } else if (name == "--http.valid-status-codes") {
      auto codes = parse_status_codes(*value);
      if (!codes)
        return Result::failure("flag --http.valid-status-codes: \"" + *value +
                               "\" is not a list like 200,301");
      flags.probe.http.valid_status_codes = *codes;
    } else if (name == "--http.fail-if-body-matches" || name == "--http.fail-if-body-not-matches") {
      auto compiled = targets::Pattern::compile(*value);
      if (!compiled) return Result::failure("flag " + name + ": " + compiled.error());
      (name == "--http.fail-if-body-matches" ? flags.probe.http.fail_if_body_matches_regexp
                                             : flags.probe.http.fail_if_body_not_matches_regexp)
          .push_back(std::move(compiled).value());
    } else if (name == "--http.method") {
      flags.probe.http.method = *value;
    } else if (name == "--http.no-follow-redirects") {
      flags.probe.http.follow_redirects = false;
    } else {
      return Result::failure("unknown flag " + name + " (see reachprobe check --help)");
    }
  }
  if (flags.targets.empty()) return Result::failure("check needs at least one TARGET");
  if (auto error = validate_ssh(flags.probe.ssh)) return Result::failure(*error);
  if (auto error = validate_web(flags.probe)) return Result::failure(*error);
  return flags;
}

}  // namespace reachprobe::cli
