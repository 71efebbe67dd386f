#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/histogram_counts.hpp"
#include "engine/result_sink.hpp"
#include "exporters/exposition_text.hpp"

namespace reachprobe::exporters {

// Bucket bounds of the probe_duration_seconds histogram (seconds).
inline constexpr std::array<double, 13> kDurationBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
using engine::HistogramCounts;
using engine::kStartLagBuckets;

// The scheduler's own figures, read when /metrics is scraped.
struct SchedulerFigures {
  std::size_t keys = 0;
  std::size_t in_flight = 0;
  HistogramCounts<kStartLagBuckets.size()> start_lag;
  std::map<std::string, std::uint64_t> sd_file_read_errors;  // file -> count
};

// The persistent /metrics families of scheduled keys (CONTRACT §5, §7): per key the /probe
// gauges of its latest run (through probe_families(), the one name mapping), its run, failure
// and skip counters and its duration histogram, all labelled with the key's labels. Rendered by
// hand rather than through a prometheus-cpp registry: at 10,000 keys a scrape writes a few
// hundred thousand lines, and the registry's per-metric maps would dominate memory.
class ScheduledMetrics : public engine::ResultSink {
 public:
  void key_added(const engine::KeyIdentity& key) override;
  void key_removed(const std::string& id) override;
  void run_finished(const std::string& id, const engine::ReportPtr& report) override;
  void run_skipped(const std::string& id) override;

  // Appends the families in the text exposition format 0.0.4.
  void render(std::string& out) const;
  std::size_t size() const { return keys_.size(); }

 private:
  struct Sample {
    std::uint16_t family;
    std::string labels;  // the family's own labels, rendered: phase="rtt"
    double value;
  };
  struct KeySeries {
    std::string prober;
    std::string labels;  // target="…",module="…",vantage="…",…
    std::vector<Sample> latest;
    std::uint64_t runs = 0;
    std::uint64_t skipped = 0;
    std::map<std::string, std::uint64_t> failures;  // layer="tcp",reason="timeout" -> count
    HistogramCounts<kDurationBuckets.size()> duration;
  };
  struct FamilyInfo {
    std::string name;
    std::string help;
  };

  std::uint16_t family_index(const std::string& name, const std::string& help);

  std::map<std::string, KeySeries> keys_;  // ordered: a stable exposition
  std::vector<FamilyInfo> families_;       // every gauge family seen, in first-seen order
  std::unordered_map<std::string, std::uint16_t> family_by_name_;
};

// The scheduler's own families: reachprobe_scheduled_keys, reachprobe_probes_in_flight,
// reachprobe_schedule_start_lag_seconds and reachprobe_sd_file_read_errors_total{file}.
void render_scheduler_figures(const SchedulerFigures& figures, std::string& out);

}  // namespace reachprobe::exporters
