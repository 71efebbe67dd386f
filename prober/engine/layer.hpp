#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace reachprobe::engine {

// Path order (CONTRACT §3): the verdict is the first required layer that failed in this order.
enum class Layer : std::uint8_t {
  dns,
  icmp,
  path,
  tcp,
  tls,
  ssh_banner,
  ssh_handshake,
  ssh_auth,
  ssh_exec,
  host,  // inside evidence after an SSH login (CONTRACT §8)
  http,
  grpc,
};

inline constexpr std::array<Layer, 12> kAllLayers = {
    Layer::dns,      Layer::icmp,       Layer::path,          Layer::tcp,
    Layer::tls,      Layer::ssh_banner, Layer::ssh_handshake, Layer::ssh_auth,
    Layer::ssh_exec, Layer::host,       Layer::http,          Layer::grpc};

enum class Status : std::uint8_t { ok, fail, warn, skipped };

std::string_view to_string(Layer layer);
std::string_view to_string(Status status);
std::optional<Layer> layer_from_string(std::string_view name);

}  // namespace reachprobe::engine
