#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/result_sink.hpp"
#include "history/history_types.hpp"
#include "history/store_worker.hpp"

namespace reachprobe::history {

enum class KeyState : std::uint8_t { unknown, up, down };
std::string_view to_string(KeyState state);

// One 10-minute slot of the 24 h timeline.
struct TimelineSlot {
  std::uint32_t bucket = 0;  // start / 600 s; a slot whose bucket is older is empty
  std::uint16_t runs = 0;
  std::uint16_t failures = 0;
};
inline constexpr std::size_t kTimelineSlots = 144;  // 24 h of 10 minutes

// What the status page shows of a key without asking the store: its state since when, the
// latest run's sentence and report, and 24 h of 10-minute counts.
struct KeyStatus {
  KeyInfo info;
  KeyState state = KeyState::unknown;
  std::string verdict;  // "tcp/timeout" while down
  std::int64_t since_ms = 0;
  std::int64_t last_ms = 0;
  double last_duration_s = 0;
  std::string summary;
  engine::ReportPtr latest;  // the latest run, rendered (JSON, ladder) only when asked for
  std::array<TimelineSlot, kTimelineSlots> timeline{};

  std::string failing_layer() const { return verdict.substr(0, verdict.find('/')); }
  // Availability over the last `slots` 10-minute slots up to now (the current one included).
  std::optional<double> availability(std::int64_t now_ms, std::size_t slots) const;
  std::vector<TimelineSlot> timeline_oldest_first(std::int64_t now_ms) const;
};

struct BoardFilter {
  std::string state;   // up, down, unknown; empty: all
  std::string module;  // exact
  std::string layer;   // the failing layer, exact
  std::string label;   // name=value, exact; also matches target=… and module=…
  bool matches(const KeyStatus& key) const;
};

struct BoardCounts {
  std::size_t up = 0;
  std::size_t down = 0;
  std::size_t unknown = 0;
  std::map<std::string, std::size_t> down_by_layer;
};

// The io_context thread's view of every scheduled key, fed by the history sink.
class StatusBoard {
 public:
  void add(KeyInfo info);
  void remove(const std::string& id);
  // The state the key is in before this run (unknown when it never ran).
  KeyState state(const std::string& id) const;
  void record(const RunRecord& run, engine::ReportPtr latest);
  // After a restart: keys that have not run yet take their state from the store, and the
  // stored timeline is added to what ran since.
  void restore(const BoardSnapshot& snapshot);

  const KeyStatus* find(const std::string& id) const;
  // Matching keys, worst first: down, then the lowest 24 h availability, then by target.
  std::vector<const KeyStatus*> select(const BoardFilter& filter, std::int64_t now_ms) const;
  BoardCounts counts() const;
  std::vector<std::string> modules() const;  // sorted, distinct
  std::size_t size() const { return keys_.size(); }

 private:
  std::unordered_map<std::string, KeyStatus> keys_;
};

}  // namespace reachprobe::history
