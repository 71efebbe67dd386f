#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "engine/evidence.hpp"
#include "engine/layer.hpp"
#include "engine/reason.hpp"

namespace reachprobe::engine {

// The outcome of one layer: a value, never an exception (STYLE R6).
struct LayerResult {
  Layer layer = Layer::dns;
  Status status = Status::skipped;
  Reason reason = Reason::none;
  std::optional<net::ip::address> offender;  // who answered with the failure, when known
  std::chrono::nanoseconds duration{0};
  bool required = false;  // the verdict may only name a required layer (CONTRACT §3 rule 1)
  std::string detail;     // a short human note: why skipped, what was measured
  Evidence evidence;

  static LayerResult skipped(Layer layer, std::string why) {
    LayerResult r;
    r.layer = layer;
    r.detail = std::move(why);
    return r;
  }
};

template <typename T>
const T* evidence_of(const LayerResult& result) {
  if constexpr (kBoxedEvidence<T>) {
    const auto* boxed = std::get_if<Boxed<T>>(&result.evidence);
    return boxed ? &boxed->get() : nullptr;
  } else {
    return std::get_if<T>(&result.evidence);
  }
}

}  // namespace reachprobe::engine
