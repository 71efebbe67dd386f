#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/layer_plan.hpp"
#include "engine/result_sink.hpp"
#include "layers/probe_session.hpp"
#include "targets/file_sd.hpp"
#include "targets/module.hpp"
#include "targets/schedule_spec.hpp"

namespace reachprobe::schedule {

// One scheduled key (target, module) ready to run: parsed once (STYLE R19), planned once.
struct KeySpec {
  engine::KeyIdentity identity;
  std::string target_text;
  std::string module_name;
  targets::Target target;
  engine::LayerPlan plan;
  // Shared by the keys of one group and module (options come from the module alone): at
  // 10,000 keys a copy each would be tens of MiB.
  std::shared_ptr<const layers::ProbeOptions> options;
  std::chrono::nanoseconds interval{0};
  std::uint64_t hash = 0;  // stable over restarts and instances: spreads starts, picks shards
  std::string origin;      // FILE:LINE that listed it
};

// FNV-1a 64 of target and module: the same on every instance, so shards partition the keys.
std::uint64_t key_hash(const std::string& target, const std::string& module);

// True when this instance probes the key under `shard_index/shard_count`.
bool in_shard(const KeySpec& key, const targets::SchedulerSpec& scheduler);

// The keys of one group: each target with each of its modules (or the built-in plan of its
// scheme, named as `check` names it, when the group names none). Errors are one line,
// "FILE:LINE: target \"x\": reason".
targets::Expected<std::vector<KeySpec>> build_keys(const targets::ScheduledGroup& group,
                                                   const targets::Config& config,
                                                   const std::string& vantage);

using KeyList = std::vector<std::shared_ptr<const KeySpec>>;

// Every key of the config's `targets:`, in order; the first error.
targets::Expected<std::vector<KeySpec>> build_config_keys(const targets::Config& config,
                                                          const std::string& vantage);

// A file_sd group as a scheduled group: `__param_module` and `__param_interval` override the
// entry's defaults, other `__` labels are dropped.
targets::Expected<targets::ScheduledGroup> sd_group(const targets::SdGroup& group,
                                                    const targets::FileSdSpec& spec,
                                                    const std::string& file);

// The vantage label: the config's, else the host name.
std::string vantage_of(const targets::SchedulerSpec& scheduler);

}  // namespace reachprobe::schedule
