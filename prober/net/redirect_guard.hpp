#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "targets/allow_list.hpp"

namespace reachprobe::net_io {

// The host a redirect's Location names: "http://h:8080/x" -> "h", "//[2001:2::1]/" ->
// "2001:2::1"; nullopt for a relative Location ("/next", "next?a=1"), which stays on the host
// of the response it came with.
struct LocationHost {
  std::string host;
  bool ip_literal = false;
};
std::optional<LocationHost> location_host(std::string_view location);

// Judges each redirect hop of one transfer against allowed_targets. The host is judged when
// the Location arrives; an address-checked host (a name matching no pattern) has the address
// curl connects to checked when the hop's socket is opened, before any packet leaves.
class RedirectGuard {
 public:
  // `proxied`: the transfer goes through a proxy, which resolves each hop itself, so the
  // addresses of a hop's name cannot be checked: such a hop is refused at its Location.
  explicit RedirectGuard(const targets::AllowList* allow, bool proxied = false)
      : allow_(allow), proxied_(proxied) {}

  // A 3xx response's Location. False (with refusal() set) when the hop must not be followed.
  bool on_location(std::string_view location);
  // The address a later connection of the transfer is about to reach.
  bool on_connect(std::string_view address);
  const std::optional<std::string>& refusal() const { return refusal_; }

 private:
  const targets::AllowList* allow_;
  bool proxied_ = false;
  std::string hop_host_;
  bool check_addresses_ = false;
  std::optional<std::string> refusal_;
};

}  // namespace reachprobe::net_io
