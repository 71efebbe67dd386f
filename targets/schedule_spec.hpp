#pragma once
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace reachprobe::targets {

// The config's `scheduler:` section (CONTRACT §7).
struct SchedulerSpec {
  std::string vantage;  // empty: the host name
  int shard_index = 0;  // this instance probes keys with hash % shard_count == shard_index
  int shard_count = 1;
  // Probes in flight at once, all keys together; 0: not set, a quarter of the descriptor
  // limit, between 64 and 4096 (Scheduler::default_max_concurrency).
  int max_concurrency = 0;
};

inline constexpr std::chrono::seconds kDefaultScheduleInterval{60};

// One entry of `targets:`, or one group of a file_sd file with its entry's defaults applied.
struct ScheduledGroup {
  std::vector<std::string> targets;
  std::vector<int> target_lines;     // 1-based line of each target, for messages
  std::vector<std::string> modules;  // empty: the built-in plan of the target's scheme
  std::chrono::nanoseconds interval = kDefaultScheduleInterval;
  std::map<std::string, std::string> labels;
  std::string origin;  // "FILE:LINE" of the group
};

// One entry of `file_sd_configs:`.
struct FileSdSpec {
  std::vector<std::string> files;  // globs in the last path segment
  std::chrono::nanoseconds refresh_interval = std::chrono::minutes(5);
  std::vector<std::string> modules;
  std::chrono::nanoseconds interval = kDefaultScheduleInterval;
  std::string origin;
};

// Label names a key's labels may not use: the scheduler sets them.
bool is_reserved_label(const std::string& name);
// Prometheus' label name rule: [a-zA-Z_][a-zA-Z0-9_]*.
bool is_valid_label_name(const std::string& name);

}  // namespace reachprobe::targets
