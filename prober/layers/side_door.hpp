#pragma once
#include <memory>
#include <optional>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "engine/layer_result.hpp"
#include "layers/probe_session.hpp"

namespace reachprobe::layers {

// --ssh.triage-via (CONTRACT §8): when the target's own address has not connected after a
// head start (a healthy target connects in milliseconds, so it costs no second login), logs in
// by the side door and runs the triage about the failing address: its route back to this
// prober, seen from inside. nullopt when the front door connected first. Runs beside the
// transport layers, within the same deadline.
net::awaitable<std::optional<LayerResult>> run_side_door(
    std::shared_ptr<Services> services, ProbeSession& session,
    std::shared_ptr<const ProbeOptions> options);

}  // namespace reachprobe::layers
