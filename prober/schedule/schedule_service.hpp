#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "layers/probe_session.hpp"
#include "schedule/file_sd_watcher.hpp"
#include "schedule/key_spec.hpp"
#include "schedule/scheduler.hpp"
#include "targets/module.hpp"

namespace reachprobe::schedule {

// The scheduled half of `serve`: the keys of the config's `targets:` and of the file_sd files,
// merged (the config first, then the files in path order; the first listing of a key wins),
// cut to this instance's shard, and run by the Scheduler. One io_context thread uses it.
class ScheduleService {
 public:
  // One-line problems for the log: a file_sd file that failed, keys listed twice.
  using Warn = std::function<void(const std::string& what, const std::string& detail)>;

  ScheduleService(std::shared_ptr<layers::Services> services, Scheduler::BugReporter on_bug,
                  Warn warn);

  void add_sink(engine::ResultSink* sink) { scheduler_.add_sink(sink); }

  // Start-up and every reload: the config's keys are checked first; on an error nothing
  // changes and the error ("FILE:LINE: reason") is returned.
  std::optional<std::string> configure(const targets::Config& config);

  std::size_t keys() const { return scheduler_.keys(); }
  std::size_t in_flight() const { return scheduler_.in_flight(); }
  const engine::HistogramCounts<engine::kStartLagBuckets.size()>& start_lag() const {
    return scheduler_.start_lag();
  }
  const std::map<std::string, std::uint64_t>& sd_file_read_errors() const { return sd_errors_; }

  void stop();

 private:
  void on_scan(std::size_t entry, SdScan scan);
  targets::Expected<KeyList> file_keys(std::size_t entry,
                                       const std::vector<targets::SdGroup>& groups,
                                       const std::string& file) const;
  void publish();

  std::shared_ptr<layers::Services> services_;
  Warn warn_;
  Scheduler scheduler_;
  std::unique_ptr<FileSdWatcher> watcher_;
  std::shared_ptr<const targets::Config> config_;
  std::string vantage_;
  KeyList config_keys_;
  // The last good keys of each file, by (file_sd_configs entry, path).
  std::map<std::pair<std::size_t, std::string>, KeyList> file_keys_;
  std::map<std::string, std::uint64_t> sd_errors_;
};

}  // namespace reachprobe::schedule
