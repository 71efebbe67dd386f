#include "net/redirect_guard.hpp"

#include <arpa/inet.h>

#include <array>

namespace reachprobe::net_io {
namespace {

bool is_ip_literal(const std::string& host) {
  std::array<unsigned char, 16> bytes{};
  return inet_pton(AF_INET, host.c_str(), bytes.data()) == 1 ||
         inet_pton(AF_INET6, host.c_str(), bytes.data()) == 1;
}

// Text that a response header may pad or end with.
std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

std::optional<LocationHost> location_host(std::string_view location) {
  location = trimmed(location);
  std::string_view rest;
  if (location.substr(0, 2) == "//") {
    rest = location.substr(2);
  } else {
    // An absolute URL has a scheme: letters, digits, + - . before "://" and no '/' or '?'
    // before it; anything else is a path relative to the current host.
    auto sep = location.find("://");
    if (sep == std::string_view::npos) return std::nullopt;
    auto path_start = location.find_first_of("/?#");
    if (path_start < sep) return std::nullopt;
    rest = location.substr(sep + 3);
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#\\"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  LocationHost out;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    out.host = std::string(
        authority.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
    // A zone ("fe80::1%25eth0") does not change which host it is for the list's CIDRs.
    if (auto zone = out.host.find('%'); zone != std::string::npos) out.host.resize(zone);
  } else {
    out.host = std::string(authority.substr(0, authority.rfind(':')));
  }
  // URL hosts are case-insensitive and may be percent-encoded; a percent sign left in a name
  // makes it match no pattern, which refuses it (the safe side).
  for (auto& c : out.host) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  out.ip_literal = is_ip_literal(out.host);
  return out;
}

bool RedirectGuard::on_location(std::string_view location) {
  if (allow_ == nullptr || allow_->empty() || refusal_) return !refusal_;
  auto host = location_host(location);
  // A relative redirect stays on the current hop's host, already judged.
  if (!host) return true;
  using Verdict = targets::AllowList::HostVerdict;
  Verdict verdict =
      host->host.empty() ? Verdict::refused : allow_->judge_host(host->host, host->ip_literal);
  if (verdict == Verdict::refused) {
    refusal_ = "redirect to " + std::string(trimmed(location)) + " refused: host \"" + host->host +
               "\" is not in allowed_targets";
    return false;
  }
  if (verdict == Verdict::check_addresses && proxied_) {
    refusal_ = "redirect to " + std::string(trimmed(location)) + " refused: host \"" + host->host +
               "\" matches no allowed_targets pattern, and through proxy_url its addresses " +
               "cannot be checked";
    return false;
  }
  hop_host_ = host->host;
  check_addresses_ = verdict == Verdict::check_addresses;
  return true;
}

bool RedirectGuard::on_connect(std::string_view address) {
  if (refusal_) return false;
  if (proxied_) return true;  // the proxy's address, not a hop's: hops were judged by name
  if (allow_ == nullptr || !check_addresses_ || allow_->address_allowed(address)) return true;
  refusal_ = "redirect to host \"" + hop_host_ + "\" refused: it resolves to " +
             std::string(address) + ", which is not in allowed_targets";
  return false;
}

}  // namespace reachprobe::net_io
