#include "targets/bounded_file.hpp"
#include "targets/ssh_spec.hpp"

namespace reachprobe::targets {

std::optional<std::string> read_secret_file(const std::string& path, Secret& out) {
  // Bounded and non-blocking: /dev/zero, a FIFO or a directory is an error, not a hang, a
  // bad_alloc or an empty secret.
  auto content = read_bounded_file(path, kSmallFileCap);
  if (!content) return content.error();
  std::string value = std::move(content).value();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  out = Secret(std::move(value));
  return std::nullopt;
}

}  // namespace reachprobe::targets
