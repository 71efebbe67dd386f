#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/layer.hpp"

namespace reachprobe::engine {

// The closed set of reasons from CONTRACT §3. Metric labels are built from these, so the set
// must stay bounded: to_string() is the only place their text exists.
enum class Reason : std::uint8_t {
  none,
  // dns
  nxdomain,
  servfail,
  refused,
  timeout,
  no_address,
  // path
  no_route,
  unreachable,
  lost_after_hop,
  // icmp / tcp
  admin_prohibited,
  port_unreachable,
  host_unreachable,
  net_unreachable,
  // tls
  handshake_failed,
  cert_expired,
  cert_untrusted,
  hostname_mismatch,
  not_tls,
  // ssh
  closed,
  not_ssh,
  failed,
  hostkey_mismatch,
  denied,
  no_method,
  exit_status,
  output_mismatch,
  channel_refused,
  // http
  status,
  body_mismatch,
  header_mismatch,
  redirects,
  // grpc
  not_serving,
  service_unknown,
  unimplemented,
  rpc_error,
  // host (inside evidence)
  return_route_mismatch,
  neighbor_failed,
  io_pressure,
  blocked_tasks,
  hung_mount,
  slow_nss,
};

std::string_view to_string(Reason reason);

// The reasons CONTRACT §3 allows for a layer; a unit test checks every producer against it.
std::span<const Reason> reasons_for(Layer layer);
bool is_allowed(Layer layer, Reason reason);

}  // namespace reachprobe::engine
