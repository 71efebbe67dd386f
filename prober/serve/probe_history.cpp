#include "serve/probe_history.hpp"

#include <utility>

namespace reachprobe::serve {

std::uint64_t ProbeHistory::add(std::string module, std::string target, bool success,
                                std::string debug_output) {
  return add(std::move(module), std::move(target), success,
             [text = std::move(debug_output)] { return text; });
}

std::uint64_t ProbeHistory::add(std::string module, std::string target, bool success,
                                std::function<std::string()> render_debug) {
  const std::uint64_t id = next_id_++;
  recent_.push_back({id, std::move(module), std::move(target), success, std::move(render_debug)});
  if (recent_.size() > limit_) {
    // The oldest result leaves the recent list; a failure moves to the preserved list, which
    // is bounded by the same limit.
    if (!recent_.front().success) {
      preserved_.push_back(std::move(recent_.front()));
      if (preserved_.size() > limit_) preserved_.pop_front();
    }
    recent_.pop_front();
  }
  return id;
}

std::vector<const ProbeHistory::Entry*> ProbeHistory::newest_first() const {
  std::vector<const Entry*> out;
  out.reserve(recent_.size() + preserved_.size());
  for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) out.push_back(&*it);
  for (auto it = preserved_.rbegin(); it != preserved_.rend(); ++it) out.push_back(&*it);
  return out;
}

const ProbeHistory::Entry* ProbeHistory::find(std::uint64_t id) const {
  for (const auto* list : {&preserved_, &recent_}) {
    for (const Entry& entry : *list) {
      if (entry.id == id) return &entry;
    }
  }
  return nullptr;
}

}  // namespace reachprobe::serve
