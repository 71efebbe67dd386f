#include "history/status_board.hpp"

#include <algorithm>

namespace reachprobe::history {
namespace {

std::uint32_t bucket_of(std::int64_t ms) {
  return static_cast<std::uint32_t>(ms / 1000 / 600);
}

void add_to_slot(KeyStatus& key, std::uint32_t bucket, std::uint32_t runs, std::uint32_t failures) {
  TimelineSlot& slot = key.timeline[bucket % kTimelineSlots];
  if (slot.bucket != bucket) slot = TimelineSlot{bucket, 0, 0};
  auto clamp16 = [](std::uint32_t v) { return static_cast<std::uint16_t>(std::min(v, 65535u)); };
  slot.runs = clamp16(slot.runs + runs);
  slot.failures = clamp16(slot.failures + failures);
}

}  // namespace

std::string_view to_string(KeyState state) {
  switch (state) {
    case KeyState::up:
      return "up";
    case KeyState::down:
      return "down";
    case KeyState::unknown:
      break;
  }
  return "unknown";
}

std::optional<double> KeyStatus::availability(std::int64_t now_ms, std::size_t slots) const {
  const std::uint32_t now = bucket_of(now_ms);
  std::uint64_t runs = 0, failures = 0;
  for (const auto& slot : timeline) {
    if (slot.runs == 0 || slot.bucket > now || now - slot.bucket >= slots) continue;
    runs += slot.runs;
    failures += slot.failures;
  }
  if (runs == 0) return std::nullopt;
  return 1.0 - static_cast<double>(failures) / static_cast<double>(runs);
}

std::vector<TimelineSlot> KeyStatus::timeline_oldest_first(std::int64_t now_ms) const {
  const std::uint32_t now = bucket_of(now_ms);
  std::vector<TimelineSlot> out(kTimelineSlots);
  for (std::size_t i = 0; i < kTimelineSlots; ++i) {
    const std::uint32_t bucket = now - static_cast<std::uint32_t>(kTimelineSlots - 1 - i);
    const TimelineSlot& slot = timeline[bucket % kTimelineSlots];
    out[i] = slot.bucket == bucket ? slot : TimelineSlot{bucket, 0, 0};
  }
  return out;
}

bool BoardFilter::matches(const KeyStatus& key) const {
  if (!state.empty() && to_string(key.state) != state) return false;
  if (!module.empty() && key.info.module != module) return false;
  if (!layer.empty() && (key.state != KeyState::down || key.failing_layer() != layer)) return false;
  if (!label.empty()) {
    auto eq = label.find('=');
    if (eq == std::string::npos) return false;
    const std::string name = label.substr(0, eq), value = label.substr(eq + 1);
    if (name == "target") return key.info.target == value;
    if (name == "module") return key.info.module == value;
    return std::any_of(key.info.labels.begin(), key.info.labels.end(),
                       [&](const auto& l) { return l.first == name && l.second == value; });
  }
  return true;
}

void StatusBoard::add(KeyInfo info) {
  auto [it, inserted] = keys_.try_emplace(info.id);
  it->second.info = std::move(info);  // labels may change with a reload; the state stays
}

void StatusBoard::remove(const std::string& id) {
  keys_.erase(id);
}

KeyState StatusBoard::state(const std::string& id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? KeyState::unknown : it->second.state;
}

void StatusBoard::record(const RunRecord& run, engine::ReportPtr latest) {
  auto it = keys_.find(run.key_id);
  if (it == keys_.end()) return;
  KeyStatus& key = it->second;
  const KeyState now = run.success ? KeyState::up : KeyState::down;
  if (key.state != now) key.since_ms = run.time_ms;
  key.state = now;
  key.verdict = run.success ? "" : verdict_text(run.layer, run.reason);
  key.last_ms = run.time_ms;
  key.last_duration_s = run.duration_s;
  key.summary = run.summary;
  key.latest = std::move(latest);
  add_to_slot(key, bucket_of(run.time_ms), 1, run.success ? 0 : 1);
}

void StatusBoard::restore(const BoardSnapshot& snapshot) {
  for (auto& [id, key] : keys_) {
    auto it = snapshot.find(id);
    if (it == snapshot.end()) continue;
    const KeySnapshot& stored = it->second;
    if (key.state == KeyState::unknown && stored.success) {
      key.state = *stored.success ? KeyState::up : KeyState::down;
      key.verdict = stored.verdict;
      key.since_ms = stored.since_ms;
      key.last_ms = stored.last_ms;
      key.summary = stored.summary;
    }
    for (const auto& b : stored.fine) {
      add_to_slot(key, static_cast<std::uint32_t>(b.start_s / 600), b.runs, b.failures);
    }
  }
}

const KeyStatus* StatusBoard::find(const std::string& id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

std::vector<const KeyStatus*> StatusBoard::select(const BoardFilter& filter,
                                                  std::int64_t now_ms) const {
  struct Ranked {
    const KeyStatus* key;
    int state_rank;
    double availability;
  };
  std::vector<Ranked> ranked;
  for (const auto& [id, key] : keys_) {
    if (!filter.matches(key)) continue;
    int rank = key.state == KeyState::down ? 0 : key.state == KeyState::unknown ? 2 : 1;
    ranked.push_back({&key, rank, key.availability(now_ms, kTimelineSlots).value_or(1.0)});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.state_rank != b.state_rank) return a.state_rank < b.state_rank;
    if (a.availability != b.availability) return a.availability < b.availability;
    if (a.key->info.target != b.key->info.target) return a.key->info.target < b.key->info.target;
    return a.key->info.module < b.key->info.module;
  });
  std::vector<const KeyStatus*> out;
  out.reserve(ranked.size());
  for (const auto& r : ranked) out.push_back(r.key);
  return out;
}

std::vector<std::string> StatusBoard::modules() const {
  std::vector<std::string> out;
  for (const auto& [id, key] : keys_) out.push_back(key.info.module);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

BoardCounts StatusBoard::counts() const {
  BoardCounts c;
  for (const auto& [id, key] : keys_) {
    switch (key.state) {
      case KeyState::up:
        ++c.up;
        break;
      case KeyState::down:
        ++c.down;
        ++c.down_by_layer[key.failing_layer()];
        break;
      case KeyState::unknown:
        ++c.unknown;
        break;
    }
  }
  return c;
}

}  // namespace reachprobe::history
