#pragma once
#include <chrono>
#include <optional>

#include "engine/deadline.hpp"
#include "layers/probe_session.hpp"

namespace reachprobe::layers {

// A phase's deadline: the module deadline, tightened by the phase's own cap when set.
inline engine::Deadline phase_deadline(engine::Deadline deadline, std::chrono::nanoseconds cap) {
  return cap.count() > 0 ? deadline.capped(cap) : deadline;
}

// Repeats a non-blocking libssh call while it answers `again` (SSH_AGAIN, SSH_AUTH_AGAIN),
// waiting on the socket in between; nullopt when the deadline passes first.
template <typename Call>
net::awaitable<std::optional<int>> until_answered(net_io::SshSession& ssh,
                                                  engine::Deadline deadline, int again, Call call) {
  int rc = call();
  while (rc == again) {
    if (!co_await ssh.wait(deadline)) co_return std::nullopt;
    rc = call();
  }
  co_return rc;
}

// Sets libssh's options for the session's target: our fd, host and port for known_hosts
// lookups, the user, no ssh_config processing, and non-blocking mode.
void configure_ssh(layers::ProbeSession& session);

}  // namespace reachprobe::layers
