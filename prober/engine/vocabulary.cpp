#include "engine/layer.hpp"
#include "engine/reason.hpp"

#include <algorithm>
#include <array>

namespace reachprobe::engine {

std::string_view to_string(Layer layer) {
  switch (layer) {
    case Layer::dns:
      return "dns";
    case Layer::icmp:
      return "icmp";
    case Layer::path:
      return "path";
    case Layer::tcp:
      return "tcp";
    case Layer::tls:
      return "tls";
    case Layer::ssh_banner:
      return "ssh_banner";
    case Layer::ssh_handshake:
      return "ssh_handshake";
    case Layer::ssh_auth:
      return "ssh_auth";
    case Layer::ssh_exec:
      return "ssh_exec";
    case Layer::host:
      return "host";
    case Layer::http:
      return "http";
    case Layer::grpc:
      return "grpc";
  }
  return "unknown";
}

std::optional<Layer> layer_from_string(std::string_view name) {
  for (Layer layer : kAllLayers) {
    if (to_string(layer) == name) return layer;
  }
  return std::nullopt;
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::fail:
      return "fail";
    case Status::warn:
      return "warn";
    case Status::skipped:
      return "skipped";
  }
  return "unknown";
}

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::none:
      return "";
    case Reason::nxdomain:
      return "nxdomain";
    case Reason::servfail:
      return "servfail";
    case Reason::refused:
      return "refused";
    case Reason::timeout:
      return "timeout";
    case Reason::no_address:
      return "no_address";
    case Reason::no_route:
      return "no_route";
    case Reason::unreachable:
      return "unreachable";
    case Reason::lost_after_hop:
      return "lost_after_hop";
    case Reason::admin_prohibited:
      return "admin_prohibited";
    case Reason::port_unreachable:
      return "port_unreachable";
    case Reason::host_unreachable:
      return "host_unreachable";
    case Reason::net_unreachable:
      return "net_unreachable";
    case Reason::handshake_failed:
      return "handshake_failed";
    case Reason::cert_expired:
      return "cert_expired";
    case Reason::cert_untrusted:
      return "cert_untrusted";
    case Reason::hostname_mismatch:
      return "hostname_mismatch";
    case Reason::not_tls:
      return "not_tls";
    case Reason::closed:
      return "closed";
    case Reason::not_ssh:
      return "not_ssh";
    case Reason::failed:
      return "failed";
    case Reason::hostkey_mismatch:
      return "hostkey_mismatch";
    case Reason::denied:
      return "denied";
    case Reason::no_method:
      return "no_method";
    case Reason::exit_status:
      return "exit_status";
    case Reason::output_mismatch:
      return "output_mismatch";
    case Reason::channel_refused:
      return "channel_refused";
    case Reason::status:
      return "status";
    case Reason::body_mismatch:
      return "body_mismatch";
    case Reason::header_mismatch:
      return "header_mismatch";
    case Reason::redirects:
      return "redirects";
    case Reason::not_serving:
      return "not_serving";
    case Reason::service_unknown:
      return "service_unknown";
    case Reason::unimplemented:
      return "unimplemented";
    case Reason::rpc_error:
      return "rpc_error";
    case Reason::return_route_mismatch:
      return "return_route_mismatch";
    case Reason::neighbor_failed:
      return "neighbor_failed";
    case Reason::io_pressure:
      return "io_pressure";
    case Reason::blocked_tasks:
      return "blocked_tasks";
    case Reason::hung_mount:
      return "hung_mount";
    case Reason::slow_nss:
      return "slow_nss";
  }
  return "unknown";
}

namespace {
using R = Reason;
constexpr std::array kDns = {R::nxdomain, R::servfail, R::refused, R::timeout, R::no_address};
constexpr std::array kPath = {R::no_route, R::unreachable, R::lost_after_hop};
constexpr std::array kIcmp = {R::timeout, R::unreachable, R::admin_prohibited};
constexpr std::array kTcp = {R::refused,          R::timeout,          R::admin_prohibited,
                             R::port_unreachable, R::host_unreachable, R::net_unreachable};
constexpr std::array kTls = {R::timeout,        R::handshake_failed,  R::cert_expired,
                             R::cert_untrusted, R::hostname_mismatch, R::not_tls};
constexpr std::array kSshBanner = {R::timeout, R::closed, R::not_ssh};
constexpr std::array kSshHandshake = {R::timeout, R::failed, R::hostkey_mismatch};
constexpr std::array kSshAuth = {R::denied, R::timeout, R::no_method};
constexpr std::array kSshExec = {R::timeout, R::exit_status, R::output_mismatch,
                                 R::channel_refused};
constexpr std::array kHttp = {R::timeout,         R::status, R::body_mismatch,
                              R::header_mismatch, R::closed, R::redirects};
constexpr std::array kHost = {R::return_route_mismatch,
                              R::neighbor_failed,
                              R::io_pressure,
                              R::blocked_tasks,
                              R::hung_mount,
                              R::slow_nss,
                              R::timeout};
constexpr std::array kGrpc = {R::timeout, R::not_serving, R::service_unknown, R::unimplemented,
                              R::rpc_error};
}  // namespace

std::span<const Reason> reasons_for(Layer layer) {
  switch (layer) {
    case Layer::dns:
      return kDns;
    case Layer::icmp:
      return kIcmp;
    case Layer::path:
      return kPath;
    case Layer::tcp:
      return kTcp;
    case Layer::tls:
      return kTls;
    case Layer::ssh_banner:
      return kSshBanner;
    case Layer::ssh_handshake:
      return kSshHandshake;
    case Layer::ssh_auth:
      return kSshAuth;
    case Layer::ssh_exec:
      return kSshExec;
    case Layer::host:
      return kHost;
    case Layer::http:
      return kHttp;
    case Layer::grpc:
      return kGrpc;
  }
  return {};
}

bool is_allowed(Layer layer, Reason reason) {
  auto allowed = reasons_for(layer);
  return std::find(allowed.begin(), allowed.end(), reason) != allowed.end();
}

}  // namespace reachprobe::engine
