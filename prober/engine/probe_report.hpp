#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/layer_result.hpp"
#include "targets/target.hpp"

namespace reachprobe::engine {

// Where the target failed: one layer, one reason, the sender of the failure and a sentence.
struct Verdict {
  std::optional<Layer> layer;  // nullopt = success
  Reason reason = Reason::none;
  std::optional<net::ip::address> offender;
  std::string summary;
};

// Dual-stack divergence (README): the same name's other address family, probed beside the
// family in use when that one had not connected after a head start. Kept in the report only
// when the family in use failed at the path or transport layers.
struct OtherFamilyProbe {
  net::ip::address address;
  bool success = false;
  std::optional<Layer> layer;  // where the other family failed; nullopt when it works
  Reason reason = Reason::none;
  std::chrono::nanoseconds duration{0};
  std::optional<double> tcp_connect_seconds;  // the TCP connect, when it worked
  std::optional<double> icmp_rtt_seconds;     // the average echo round trip, when answered
};

struct ProbeReport {
  targets::Target target;
  std::string module;
  std::optional<net::ip::address> address;  // the address probed, once resolved
  std::chrono::nanoseconds timeout{0};
  std::chrono::nanoseconds duration{0};
  std::vector<LayerResult> layers;  // in path order
  Verdict verdict;
  bool success = false;
  // Set when allowed_targets refused an address the name resolved to: nothing was probed,
  // and /probe answers 400 with this text instead of a result.
  std::optional<std::string> allow_list_refusal;
  // Set when the prober itself failed (out of file descriptors or kernel memory, refused for
  // lack of them, or cancelled because the /probe client left): the probe failed, the verdict
  // names no layer, the summary is this sentence, and /probe answers 503 with it.
  std::optional<std::string> prober_error;
  std::optional<OtherFamilyProbe> other_family;

  const LayerResult* find(Layer layer) const {
    for (const auto& l : layers) {
      if (l.layer == layer) return &l;
    }
    return nullptr;
  }
  LayerResult* find(Layer layer) {
    for (auto& l : layers) {
      if (l.layer == layer) return &l;
    }
    return nullptr;
  }
};

}  // namespace reachprobe::engine
