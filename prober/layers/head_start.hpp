#pragma once
#include "engine/asio.hpp"
#include "layers/probe_session.hpp"

namespace reachprobe::layers {

// What the companions of a probe (the side door, the other address family) wait for before
// they start: the front door's own answer (TCP connected or failed; for a bare host, echo
// answered or not), for at most a fifth of the budget and at most a second. A healthy target
// answers well within it, so it never costs a second login or a second family. True when the
// front door answered and the companion is not needed.
net::awaitable<bool> front_door_answered(net::any_io_executor executor, ProbeSession& session);

}  // namespace reachprobe::layers
