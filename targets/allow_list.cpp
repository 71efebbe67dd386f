#include "targets/allow_list.hpp"

#include <arpa/inet.h>
#include <fnmatch.h>

#include <algorithm>
#include <charconv>

namespace reachprobe::targets {

AllowList::AllowList(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    if (auto cidr = parse_cidr(entry)) {
      cidrs_.push_back(*cidr);
    } else if (entry.find('/') == std::string::npos) {
      patterns_.push_back(entry);
    }
    // A malformed CIDR was refused by the config loader; none reaches here.
  }
}

std::optional<AllowList::Cidr> AllowList::parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  Cidr cidr;
  std::string address(text.substr(0, slash));
  cidr.family = address.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (inet_pton(cidr.family, address.c_str(), cidr.bytes.data()) != 1) return std::nullopt;
  std::string_view bits = text.substr(slash + 1);
  auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), cidr.bits);
  int max = cidr.family == AF_INET ? 32 : 128;
  if (ec != std::errc() || end != bits.data() + bits.size() || cidr.bits < 0 || cidr.bits > max) {
    return std::nullopt;
  }
  return cidr;
}

bool AllowList::valid_cidr(std::string_view text) {
  return parse_cidr(text).has_value();
}

bool AllowList::in_any_cidr(std::string_view address) const {
  std::string text(address);
  std::array<unsigned char, 16> v6{};
  std::array<unsigned char, 4> v4{};
  bool is_v4 = inet_pton(AF_INET, text.c_str(), v4.data()) == 1;
  bool is_v6 = !is_v4 && inet_pton(AF_INET6, text.c_str(), v6.data()) == 1;
  if (!is_v4 && !is_v6) return false;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) reaches the IPv4 host: judge it as IPv4.
  if (is_v6) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(std::begin(kMapped), std::end(kMapped), v6.begin())) {
      std::copy(v6.begin() + 12, v6.end(), v4.begin());
      is_v4 = true;
      is_v6 = false;
    }
  }
  for (const auto& cidr : cidrs_) {
    if ((cidr.family == AF_INET) != is_v4) continue;
    const unsigned char* bytes = is_v4 ? v4.data() : v6.data();
    bool inside = true;
    for (int bit = 0; bit < cidr.bits && inside; ++bit) {
      auto index = static_cast<std::size_t>(bit / 8);
      auto mask = static_cast<unsigned char>(0x80u >> (bit % 8));
      inside = (bytes[index] & mask) == (cidr.bytes[index] & mask);
    }
    if (inside) return true;
  }
  return false;
}

AllowList::HostVerdict AllowList::judge_host(std::string_view host, bool ip_literal) const {
  if (empty()) return HostVerdict::allowed;
  if (ip_literal) return in_any_cidr(host) ? HostVerdict::allowed : HostVerdict::refused;
  std::string name(host);
  // DNS names are case-insensitive, and an absolute name ("web.lab.") is the same host.
  if (!name.empty() && name.back() == '.') name.pop_back();
  for (const auto& pattern : patterns_) {
    if (fnmatch(pattern.c_str(), name.c_str(), FNM_CASEFOLD) == 0) return HostVerdict::allowed;
  }
  return cidrs_.empty() ? HostVerdict::refused : HostVerdict::check_addresses;
}

bool AllowList::address_allowed(std::string_view address) const {
  return empty() || in_any_cidr(address);
}

}  // namespace reachprobe::targets
