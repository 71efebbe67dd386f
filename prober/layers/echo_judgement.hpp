#pragma once
#include <chrono>
#include <span>

#include "engine/evidence.hpp"
#include "engine/layer_result.hpp"
#include "net/echo_batch.hpp"

namespace reachprobe::layers {

// The icmp layer's verdict on one target's echoes once they are settled or cut off at `now`:
// ok on any reply, else the first ICMP error, a local send failure or a timeout. Shared by the
// layer and the echo sweep, so a swept target reads exactly as one probed alone. The caller
// sets the duration.
engine::LayerResult judge_echoes(std::span<const net_io::EchoOutcome> outcomes,
                                 engine::IcmpEvidence evidence,
                                 std::chrono::steady_clock::time_point now,
                                 std::chrono::nanoseconds wait);

}  // namespace reachprobe::layers
