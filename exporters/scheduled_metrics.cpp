#include "exporters/scheduled_metrics.hpp"

#include <chrono>

#include "exporters/blackbox_metrics.hpp"
#include "exporters/exposition_text.hpp"

namespace reachprobe::exporters {
namespace {

void append_sample(std::string& out, const std::string& name, const std::string& key_labels,
                   const std::string& own_labels, double value) {
  out += name;
  out += '{';
  out += key_labels;
  if (!own_labels.empty()) {
    out += ',';
    out += own_labels;
  }
  out += "} ";
  append_number(out, value);
  out += '\n';
}

std::string render_labels(const prometheus::Labels& labels) {
  std::string out;
  append_labels(out, labels);
  return out;
}

// Cumulative buckets, _sum and _count of one histogram.
template <std::size_t N>
void append_histogram(std::string& out, const std::string& name, const std::string& labels,
                      const std::array<double, N>& bounds, const HistogramCounts<N>& h) {
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i <= N; ++i) {
    cumulative += h.counts[i];
    le.clear();
    le += "le=\"";
    if (i < N)
      append_number(le, bounds[i]);
    else
      le += "+Inf";
    le += '"';
    append_sample(out, name + "_bucket", labels, le, static_cast<double>(cumulative));
  }
  append_sample(out, name + "_sum", labels, "", h.sum);
  append_sample(out, name + "_count", labels, "", static_cast<double>(cumulative));
}

// A sample line without any labels at all ("name value").
void append_plain(std::string& out, const std::string& name, double value) {
  out += name + " ";
  append_number(out, value);
  out += '\n';
}

}  // namespace

std::uint16_t ScheduledMetrics::family_index(const std::string& name, const std::string& help) {
  auto [it, fresh] = family_by_name_.emplace(name, static_cast<std::uint16_t>(families_.size()));
  if (fresh) families_.push_back({name, help});
  return it->second;
}

void ScheduledMetrics::key_added(const engine::KeyIdentity& key) {
  auto& series = keys_[key.id];
  series.prober = key.prober;
  series.labels.clear();
  append_labels(series.labels, key.labels);
}

void ScheduledMetrics::key_removed(const std::string& id) {
  keys_.erase(id);
}

void ScheduledMetrics::run_finished(const std::string& id, const engine::ReportPtr& shared) {
  const engine::ProbeReport& report = *shared;
  auto it = keys_.find(id);
  if (it == keys_.end()) return;  // removed while it ran
  auto& series = it->second;
  series.latest.clear();
  for (const auto& family : probe_families(report, series.prober).families) {
    // The gauge of that name would clash with the histogram below (CONTRACT §7).
    if (family.name == "probe_duration_seconds") continue;
    auto index = family_index(family.name, family.help);
    for (const auto& sample : family.samples)
      series.latest.push_back({index, render_labels(sample.labels), sample.value});
  }
  ++series.runs;
  if (report.verdict.layer) {
    std::string labels = "layer=\"" + std::string(engine::to_string(*report.verdict.layer)) +
                         "\",reason=\"" + std::string(engine::to_string(report.verdict.reason)) +
                         "\"";
    ++series.failures[labels];
  }
  series.duration.observe(kDurationBuckets, std::chrono::duration<double>(report.duration).count());
}

void ScheduledMetrics::run_skipped(const std::string& id) {
  if (auto it = keys_.find(id); it != keys_.end()) ++it->second.skipped;
}

void ScheduledMetrics::render(std::string& out) const {
  if (keys_.empty()) return;
  // About 2.6 KB a key at 10,000 icmp and tcp keys: one allocation, no doubling copies.
  out.reserve(out.size() + keys_.size() * 3072);
  for (std::uint16_t f = 0; f < families_.size(); ++f) {
    const auto& family = families_[f];
    bool header = false;
    for (const auto& [id, series] : keys_) {
      for (const auto& sample : series.latest) {
        if (sample.family != f) continue;
        if (!header) append_header(out, family.name, family.help, "gauge");
        header = true;
        append_sample(out, family.name, series.labels, sample.labels, sample.value);
      }
    }
  }
  append_header(out, "probe_runs_total", "Scheduled runs finished", "counter");
  for (const auto& [id, series] : keys_)
    append_sample(out, "probe_runs_total", series.labels, "", static_cast<double>(series.runs));
  append_header(out, "probe_failures_total",
                "Scheduled runs that failed, by the verdict's layer and reason (the series "
                "without layer and reason stays 0, so a sum over a healthy key is 0)",
                "counter");
  for (const auto& [id, series] : keys_) {
    append_sample(out, "probe_failures_total", series.labels, "", 0);
    for (const auto& [labels, count] : series.failures)
      append_sample(out, "probe_failures_total", series.labels, labels, static_cast<double>(count));
  }
  append_header(out, "probe_runs_skipped_total",
                "Ticks skipped because the key's previous run was still going", "counter");
  for (const auto& [id, series] : keys_)
    append_sample(out, "probe_runs_skipped_total", series.labels, "",
                  static_cast<double>(series.skipped));
  append_header(out, "probe_duration_seconds", "Duration of scheduled runs", "histogram");
  for (const auto& [id, series] : keys_)
    append_histogram(out, "probe_duration_seconds", series.labels, kDurationBuckets,
                     series.duration);
}

void render_scheduler_figures(const SchedulerFigures& figures, std::string& out) {
  append_header(out, "reachprobe_scheduled_keys", "Keys this instance probes (after sharding)",
                "gauge");
  append_plain(out, "reachprobe_scheduled_keys", static_cast<double>(figures.keys));
  append_header(out, "reachprobe_probes_in_flight", "Scheduled probes running now", "gauge");
  append_plain(out, "reachprobe_probes_in_flight", static_cast<double>(figures.in_flight));
  const std::string lag = "reachprobe_schedule_start_lag_seconds";
  append_header(out, lag, "How late scheduled runs started: actual minus intended start",
                "histogram");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kStartLagBuckets.size(); ++i) {
    cumulative += figures.start_lag.counts[i];
    out += lag + "_bucket{le=\"";
    if (i < kStartLagBuckets.size())
      append_number(out, kStartLagBuckets[i]);
    else
      out += "+Inf";
    out += "\"} ";
    append_number(out, static_cast<double>(cumulative));
    out += '\n';
  }
  append_plain(out, lag + "_sum", figures.start_lag.sum);
  append_plain(out, lag + "_count", static_cast<double>(cumulative));
  append_header(out, "reachprobe_sd_file_read_errors_total",
                "file_sd files that could not be read or parsed, by file", "counter");
  for (const auto& [file, count] : figures.sd_file_read_errors) {
    out += "reachprobe_sd_file_read_errors_total{file=\"" + escape_label_value(file) + "\"} ";
    append_number(out, static_cast<double>(count));
    out += '\n';
  }
}

}  // namespace reachprobe::exporters
