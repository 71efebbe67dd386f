#pragma once
#include "engine/deadline.hpp"
#include "layers/probe_session.hpp"

namespace reachprobe::layers {

// Runs the target's one HTTP(S) or gRPC transfer on the tcp layer's connection, once: the
// first of the tls, http and grpc layers to ask starts it, the others read its outcome.
net::awaitable<const net_io::WebOutcome*> ensure_web_transfer(layers::ProbeSession& session,
                                                              engine::Deadline deadline);

}  // namespace reachprobe::layers
