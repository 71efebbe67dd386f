#include "layers/probe_session.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>

namespace reachprobe::layers {

std::chrono::nanoseconds probe_interval(const ProbeOptions& options) {
  using namespace std::chrono_literals;
  auto count = std::max(options.count, 1);
  auto fit = options.timeout / 2 / count;
  return std::clamp<std::chrono::nanoseconds>(fit, 1ms, 100ms);
}

std::chrono::nanoseconds probe_wait(const ProbeOptions& options) {
  using namespace std::chrono_literals;
  return std::clamp<std::chrono::nanoseconds>(options.timeout / 4, 500ms, 2s);
}

}  // namespace reachprobe::layers

namespace reachprobe::layers {

// As ssh(1): the target's user@, else --ssh.user, else the local user name.
std::string ProbeSession::ssh_user() const {
  if (target.user) return *target.user;
  if (options.ssh.user) return *options.ssh.user;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "root";
}

}  // namespace reachprobe::layers
