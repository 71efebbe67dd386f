#include <fstream>
#include <sstream>

#include "targets/ssh_spec.hpp"

namespace reachprobe::targets {

std::optional<std::string> read_secret_file(const std::string& path, Secret& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path;
  std::ostringstream content;
  content << in.rdbuf();
  std::string value = content.str();
  if (value.size() > 4096) return path + " is too large for a secret";
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  out = Secret(std::move(value));
  return std::nullopt;
}

}  // namespace reachprobe::targets
