#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/layer.hpp"
#include "engine/reason.hpp"

namespace reachprobe::history {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A scheduled key as the history knows it. `id` is the key's stable hash in 16 hex digits: the
// same on every instance and across restarts, so it is the key's URL and its row in the store.
struct KeyInfo {
  std::string id;
  std::string target;
  std::string module;
  Labels labels;  // the key's own labels (vantage and the group's), not target or module
};

// Upper bounds (seconds) of the duration buckets kept per aggregate, for p50 / p95 over 24 h.
inline constexpr std::array<double, 14> kLatencyBounds = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60};
using LatencyCounts = std::array<std::uint32_t, kLatencyBounds.size() + 1>;  // last: above all

std::size_t latency_bucket(double seconds);
// The q-quantile (0..1) of the counts, interpolated inside the bucket that holds its rank as
// histogram_quantile does, and never above max_s, the longest run of the same period (0:
// unknown); nullopt when there are no runs.
std::optional<double> latency_quantile(const LatencyCounts& counts, double q, double max_s = 0);

// One finished run, as the store records it. The store keeps the sentence and the evidence
// only of failures and state changes (at 10,000 keys every ten seconds, a copy on every success
// would be most of the disk), and the evidence is only filled in for those.
struct RunRecord {
  std::string key_id;
  std::int64_t time_ms = 0;  // wall clock at the end of the run
  bool success = false;
  std::optional<engine::Layer> layer;
  engine::Reason reason = engine::Reason::none;
  double duration_s = 0;
  bool state_change = false;  // success differs from the key's previous run (or its first run)
  std::string summary;        // the run's one sentence
  std::string evidence_json;  // failures and state changes: the CONTRACT §4 RESULT object
};

// Runs and failures of one time bucket.
struct Bucket {
  std::int64_t start_s = 0;
  std::uint32_t runs = 0;
  std::uint32_t failures = 0;
  double duration_sum_s = 0;
  double duration_max_s = 0;
};

// A failure streak (consecutive failures with one verdict: its first sentence and evidence, and
// its latest sentence), or a change of state with its sentence and evidence.
struct Event {
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  std::uint32_t count = 1;  // runs it stands for (a streak of identical failures is one event)
  bool state_change = false;
  bool success = false;
  std::string verdict;  // "tcp/timeout", "" on success
  std::string summary;
  std::string evidence_json;
  std::string last_summary;  // a streak's latest sentence ("" when it is one run)
};

struct RunRow {
  std::int64_t time_ms = 0;
  bool success = false;
  std::string verdict;
  double duration_s = 0;
};

// What the store holds about one key, for its page and /api/v1/targets/{id}/history.
struct KeyHistory {
  std::optional<KeyInfo> key;  // nullopt: never seen (or past retention)
  std::vector<RunRow> runs;    // newest first, raw runs (the last hour at most)
  std::vector<Event> events;   // newest first
  std::vector<Bucket> fine;    // 10-minute buckets, oldest first
  std::vector<Bucket> hourly;  // hour buckets, oldest first
};

// Availability (0..1, nullopt without runs) over the status page's windows, from the store.
struct LongWindows {
  std::optional<double> d7;
  std::optional<double> d30;
  std::optional<double> p50_24h;
  std::optional<double> p95_24h;
};

std::string verdict_text(const std::optional<engine::Layer>& layer, engine::Reason reason);

}  // namespace reachprobe::history
