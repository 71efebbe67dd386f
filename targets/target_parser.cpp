#include "targets/target_parser.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string>

#include "targets/printable.hpp"

namespace reachprobe::targets {
namespace {

// Every error names the target as the user gave it, quoted printably so that a newline or a
// stray byte in it can never split the message or hide what follows (issue 9 item 6).
std::string target_error(std::string_view target, const std::string& why) {
  return "target " + quote_printable(target) + ": " + why;
}

// A port as written: digits as they are, anything else quoted printably.
std::string port_text(std::string_view text) {
  bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  return digits ? std::string(text) : quote_printable(text);
}

bool is_ipv4_literal(const std::string& s) {
  std::array<unsigned char, 4> buf{};
  return inet_pton(AF_INET, s.c_str(), buf.data()) == 1;
}

bool is_ipv6_literal(const std::string& s) {
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET6, s.c_str(), buf.data()) == 1;
}

Expected<std::uint16_t> parse_port(std::string_view text, std::string_view target) {
  if (text.empty()) {
    return Expected<std::uint16_t>::failure(target_error(target, "empty port after ':'"));
  }
  unsigned long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range ||
      (ec == std::errc() && end == text.data() + text.size() && (value == 0 || value > 65535))) {
    return Expected<std::uint16_t>::failure(
        target_error(target, "port " + port_text(text) + " out of range 1-65535"));
  }
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Expected<std::uint16_t>::failure(
        target_error(target, "port " + quote_printable(text) + " is not a number"));
  }
  return static_cast<std::uint16_t>(value);
}

struct Authority {
  std::string host;
  std::optional<std::uint16_t> port;
  bool ip_literal = false;
};

// Splits "host", "host:port", "[v6]", "[v6]:port" and accepts a bare IPv6 literal without a
// port (it cannot carry one: the colons are ambiguous).
Expected<Authority> parse_authority(std::string_view text, std::string_view target) {
  auto fail = [&](const std::string& why) {
    return Expected<Authority>::failure(target_error(target, why));
  };
  Authority out;
  std::string_view port_text;
  bool has_port = false;
  if (text.empty()) return fail("missing host");
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return fail("unclosed '[' in IPv6 address");
    out.host = std::string(text.substr(1, close - 1));
    if (!is_ipv6_literal(out.host))
      return fail(quote_printable(out.host) + " is not an IPv6 address");
    out.ip_literal = true;
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail("unexpected text after ']'");
      port_text = rest.substr(1);
      has_port = true;
    }
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    out.host = std::string(text);
    if (!is_ipv6_literal(out.host)) {
      return fail("malformed address (IPv6 literals with a port need brackets: [2001:db8::1]:22)");
    }
    out.ip_literal = true;
  } else {
    auto colon = text.find(':');
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      has_port = true;
    }
    if (out.host.empty()) return fail("missing host");
    if (is_ipv4_literal(out.host)) {
      out.ip_literal = true;
    } else if (!is_valid_hostname(out.host)) {
      return fail(quote_printable(out.host) + " is not a valid host name or IP address");
    }
  }
  if (has_port) {
    auto port = parse_port(port_text, target);
    if (!port) return Expected<Authority>::failure(port.error());
    out.port = *port;
  }
  return out;
}

struct SchemeInfo {
  std::string_view prefix;
  Scheme scheme;
  std::optional<std::uint16_t> default_port;
};

constexpr std::array kSchemes = {
    SchemeInfo{"tcp://", Scheme::tcp, std::nullopt}, SchemeInfo{"ssh://", Scheme::ssh, 22},
    SchemeInfo{"http://", Scheme::http, 80},         SchemeInfo{"https://", Scheme::https, 443},
    SchemeInfo{"grpc://", Scheme::grpc, 80},         SchemeInfo{"grpcs://", Scheme::grpcs, 443},
};

}  // namespace

const char* to_string(Scheme scheme) {
  switch (scheme) {
    case Scheme::host:
      return "host";
    case Scheme::tcp:
      return "tcp";
    case Scheme::ssh:
      return "ssh";
    case Scheme::http:
      return "http";
    case Scheme::https:
      return "https";
    case Scheme::grpc:
      return "grpc";
    case Scheme::grpcs:
      return "grpcs";
  }
  return "unknown";
}

bool is_valid_hostname(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);  // absolute form
  if (name.empty() || name.size() > 253) return false;
  std::size_t label_len = 0;
  char prev = '.';
  for (char c : name) {
    if (c == '.') {
      if (label_len == 0 || prev == '-') return false;
      label_len = 0;
    } else {
      bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
      if (!alnum && c != '-' && c != '_') return false;
      if (label_len == 0 && c == '-') return false;
      if (++label_len > 63) return false;
    }
    prev = c;
  }
  return prev != '-';
}

Expected<Target> parse_target(std::string_view text) {
  Target target;
  target.text = std::string(text);
  if (text.empty()) return Expected<Target>::failure("empty target");
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0 ||
        std::iscntrl(static_cast<unsigned char>(c)) != 0) {
      return Expected<Target>::failure(
          target_error(text, "contains whitespace or control characters"));
    }
  }
  std::string_view rest = text;
  std::optional<std::uint16_t> default_port;
  auto scheme_sep = text.find("://");
  if (scheme_sep != std::string_view::npos) {
    bool known = false;
    for (const auto& info : kSchemes) {
      if (text.substr(0, info.prefix.size()) == info.prefix) {
        target.scheme = info.scheme;
        default_port = info.default_port;
        rest = text.substr(info.prefix.size());
        known = true;
        break;
      }
    }
    if (!known) {
      return Expected<Target>::failure(
          target_error(text, "unknown scheme " + quote_printable(text.substr(0, scheme_sep)) +
                                 " (use tcp, ssh, http, https, grpc, grpcs)"));
    }
  }
  // Everything after the authority: an http path or a gRPC service name.
  auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (target.scheme == Scheme::host || target.scheme == Scheme::tcp ||
        target.scheme == Scheme::ssh) {
      return Expected<Target>::failure(target_error(text, "unexpected path after the address"));
    }
    target.path = std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  if (target.scheme == Scheme::ssh) {
    auto at = rest.rfind('@');
    if (at != std::string_view::npos) {
      if (at == 0) return Expected<Target>::failure(target_error(text, "empty user before '@'"));
      target.user = std::string(rest.substr(0, at));
      rest = rest.substr(at + 1);
    }
  } else if (rest.find('@') != std::string_view::npos) {
    return Expected<Target>::failure(
        target_error(text, "credentials in the target are only accepted for ssh://"));
  }
  auto authority = parse_authority(rest, text);
  if (!authority) return Expected<Target>::failure(authority.error());
  target.host = std::move(authority->host);
  target.host_is_ip_literal = authority->ip_literal;
  target.port = authority->port ? authority->port : default_port;
  if (target.scheme == Scheme::tcp && !target.port) {
    return Expected<Target>::failure(target_error(text, "tcp:// needs a port"));
  }
  if (target.scheme == Scheme::host && target.port) target.scheme = Scheme::tcp;
  return target;
}

}  // namespace reachprobe::targets
