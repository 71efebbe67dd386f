#include "targets/schedule_spec.hpp"

namespace reachprobe::targets {

bool is_reserved_label(const std::string& name) {
  return name == "target" || name == "module" || name == "vantage" || name == "instance" ||
         name == "job";
}

bool is_valid_label_name(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace reachprobe::targets
