#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reachprobe::targets {

// `allowed_targets:` of the config, parsed once: CIDRs ("198.18.0.0/15", "2001:2::/48") and
// shell-style host patterns ("*.example.com"). /probe judges the host of the target as the
// module will probe it (R19: the same parsed value), every resolved address of a name, and
// every redirect hop, so the exporter cannot be pointed at hosts outside the list.
class AllowList {
 public:
  enum class HostVerdict {
    allowed,          // an IP literal in a CIDR, a name matching a pattern, or no list at all
    refused,          // nothing in the list can admit it
    check_addresses,  // a name matching no pattern: allowed only if every address it resolves
                      // to lies in a CIDR (checked after DNS, so rebinding cannot get round it)
  };

  AllowList() = default;
  explicit AllowList(const std::vector<std::string>& entries);

  // True for a CIDR the list can hold ("a.b.c.d/n", "v6/n"); entries without '/' are patterns.
  static bool valid_cidr(std::string_view text);

  bool empty() const { return cidrs_.empty() && patterns_.empty(); }
  HostVerdict judge_host(std::string_view host, bool ip_literal) const;
  // An address in text form ("198.18.3.2", "2001:2::1"): inside one of the CIDRs (or no list).
  bool address_allowed(std::string_view address) const;

 private:
  struct Cidr {
    int family = 0;
    std::array<unsigned char, 16> bytes{};
    int bits = 0;
  };
  static std::optional<Cidr> parse_cidr(std::string_view text);
  bool in_any_cidr(std::string_view address) const;

  std::vector<Cidr> cidrs_;
  std::vector<std::string> patterns_;
};

}  // namespace reachprobe::targets
