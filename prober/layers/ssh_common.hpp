#pragma once
#include <chrono>

#include "engine/deadline.hpp"
#include "engine/probe_session.hpp"

namespace reachprobe::layers {

// A phase's deadline: the module deadline, tightened by the phase's own cap when set.
inline engine::Deadline phase_deadline(engine::Deadline deadline, std::chrono::nanoseconds cap) {
  return cap.count() > 0 ? deadline.capped(cap) : deadline;
}

// Sets libssh's options for the session's target: our fd, host and port for known_hosts
// lookups, the user, no ssh_config processing, and non-blocking mode.
void configure_ssh(engine::ProbeSession& session);

}  // namespace reachprobe::layers
