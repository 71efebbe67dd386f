// The persistent /metrics families of scheduled keys: counters per key, the latest run's
// blackbox gauges, the histogram, label escaping, and a removed key's series leaving.
#include "exporters/scheduled_metrics.hpp"

#include <gtest/gtest.h>

#include <string>

#include "classify/classifier.hpp"
#include "report_builder.hpp"

namespace reachprobe::exporters {
namespace {

using namespace std::chrono_literals;
using testing::ReportBuilder;

engine::ReportPtr Shared(engine::ProbeReport report) {
  return std::make_shared<const engine::ProbeReport>(std::move(report));
}

engine::KeyIdentity key(const std::string& target) {
  return {target + "|tcp_connect",
          "tcp",
          {{"target", target}, {"module", "tcp_connect"}, {"vantage", "lab"}, {"team", "db"}}};
}

// A report as the runner hands it on: classified, so the verdict names the layer.
engine::ProbeReport classified(engine::ProbeReport report) {
  classify::apply_verdict(report);
  return report;
}

std::string rendered(const ScheduledMetrics& metrics) {
  std::string out;
  metrics.render(out);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(ScheduledMetrics, CountsRunsFailuresAndSkipsPerKey) {
  ScheduledMetrics metrics;
  metrics.key_added(key("198.18.0.2:22"));
  auto failed = classified(ReportBuilder().tcp_fail(engine::Reason::timeout).build());
  failed.duration = 1200ms;
  metrics.run_finished("198.18.0.2:22|tcp_connect", Shared(failed));
  metrics.run_finished("198.18.0.2:22|tcp_connect", Shared(failed));
  metrics.run_skipped("198.18.0.2:22|tcp_connect");
  auto text = rendered(metrics);
  const std::string labels =
      "target=\"198.18.0.2:22\",module=\"tcp_connect\",vantage=\"lab\",team=\"db\"";
  EXPECT_TRUE(has_line(text, "probe_runs_total{" + labels + "} 2")) << text;
  EXPECT_TRUE(has_line(text, "probe_failures_total{" + labels + "} 0")) << text;
  EXPECT_TRUE(
      has_line(text, "probe_failures_total{" + labels + ",layer=\"tcp\",reason=\"timeout\"} 2"))
      << text;
  EXPECT_TRUE(has_line(text, "probe_runs_skipped_total{" + labels + "} 1")) << text;
  EXPECT_TRUE(has_line(text, "probe_success{" + labels + "} 0")) << text;
  EXPECT_TRUE(has_line(text, "probe_duration_seconds_bucket{" + labels + ",le=\"1\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "probe_duration_seconds_bucket{" + labels + ",le=\"2.5\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "probe_duration_seconds_count{" + labels + "} 2")) << text;
  // The /probe gauge of that name would clash with the histogram.
  EXPECT_EQ(text.find("# TYPE probe_duration_seconds gauge"), std::string::npos) << text;
}

TEST(ScheduledMetrics, AKeyWithoutARunHasOnlyItsCounters) {
  ScheduledMetrics metrics;
  metrics.key_added(key("198.18.0.3:22"));
  auto text = rendered(metrics);
  EXPECT_EQ(text.find("probe_success"), std::string::npos) << text;
  EXPECT_NE(text.find("probe_runs_total{"), std::string::npos) << text;
}

TEST(ScheduledMetrics, ARemovedKeysSeriesLeave) {
  ScheduledMetrics metrics;
  metrics.key_added(key("198.18.0.2:22"));
  metrics.key_added(key("198.18.0.3:22"));
  metrics.run_finished("198.18.0.2:22|tcp_connect", Shared(ReportBuilder().tcp_ok().build()));
  metrics.key_removed("198.18.0.2:22|tcp_connect");
  // A run that was in flight when its key left is dropped.
  metrics.run_finished("198.18.0.2:22|tcp_connect", Shared(ReportBuilder().tcp_ok().build()));
  auto text = rendered(metrics);
  EXPECT_EQ(text.find("198.18.0.2:22"), std::string::npos) << text;
  EXPECT_NE(text.find("198.18.0.3:22"), std::string::npos) << text;
}

TEST(ScheduledMetrics, ReAddingAKeyWithNewLabelsKeepsItsCounters) {
  ScheduledMetrics metrics;
  metrics.key_added(key("198.18.0.2:22"));
  metrics.run_finished("198.18.0.2:22|tcp_connect", Shared(ReportBuilder().tcp_ok().build()));
  auto relabelled = key("198.18.0.2:22");
  relabelled.labels.back().second = "web";
  metrics.key_added(relabelled);
  auto text = rendered(metrics);
  EXPECT_NE(text.find("team=\"web\"} 1"), std::string::npos) << text;
}

TEST(ScheduledMetrics, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace reachprobe::exporters
