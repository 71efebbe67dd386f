#pragma once
#include <prometheus/registry.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "engine/probe_report.hpp"

namespace reachprobe::exporters {

struct GaugeSample {
  prometheus::Labels labels;
  double value = 0;
  void Set(double v) { value = v; }
};

struct GaugeFamily {
  std::string name;
  std::string help;
  std::vector<GaugeSample> samples;
  // The sample with these labels, made on first use (as prometheus-cpp's Family::Add).
  GaugeSample& Add(const prometheus::Labels& labels);
};

// A probe's gauges by family, in the order blackbox writes them. A deque: references to a
// family stay valid while more are added.
struct ProbeFamilies {
  std::deque<GaugeFamily> families;
};

// The one mapping from a report to blackbox's metric names (plus reachprobe's layer metrics):
// probe_success, probe_duration_seconds, the prober's families. `prober` is the module's kind.
ProbeFamilies probe_families(const engine::ProbeReport& report, const std::string& prober);

// One /probe answer as blackbox_exporter shapes it (CONTRACT §5): probe_families() in the text
// exposition format 0.0.4, written directly.
std::string probe_exposition(const engine::ProbeReport& report, const std::string& prober);

// The same families as a fresh prometheus-cpp registry: the reference probe_exposition() is
// tested against.
std::shared_ptr<prometheus::Registry> probe_registry(const engine::ProbeReport& report,
                                                     const std::string& prober);

// Text exposition format 0.0.4.
std::string serialize(const prometheus::Registry& registry);

}  // namespace reachprobe::exporters
