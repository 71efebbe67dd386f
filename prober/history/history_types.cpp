#include "history/history_types.hpp"

#include <algorithm>

namespace reachprobe::history {

std::size_t latency_bucket(double seconds) {
  auto it = std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
  return static_cast<std::size_t>(it - kLatencyBounds.begin());
}

std::optional<double> latency_quantile(const LatencyCounts& counts, double q, double max_s) {
  std::uint64_t total = 0;
  for (auto c : counts) total += c;
  if (total == 0) return std::nullopt;
  // As Prometheus' histogram_quantile: find the bucket that holds the rank, then interpolate
  // linearly between its bounds (runs are assumed spread evenly inside a bucket). The longest
  // run seen caps the estimate, and stands for the upper bound of the open last bucket.
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0 || static_cast<double>(below + counts[i]) < rank) {
      below += counts[i];
      continue;
    }
    const double lower = i == 0 ? 0.0 : kLatencyBounds[i - 1];
    double upper = i < kLatencyBounds.size() ? kLatencyBounds[i] : std::max(max_s, lower);
    if (max_s > 0 && max_s < upper) upper = std::max(max_s, lower);
    const double inside = (rank - static_cast<double>(below)) / static_cast<double>(counts[i]);
    return lower + (upper - lower) * std::clamp(inside, 0.0, 1.0);
  }
  return max_s > 0 ? max_s : kLatencyBounds.back();
}

std::string verdict_text(const std::optional<engine::Layer>& layer, engine::Reason reason) {
  if (!layer) return reason == engine::Reason::none ? "" : std::string(engine::to_string(reason));
  return std::string(engine::to_string(*layer)) + "/" + std::string(engine::to_string(reason));
}

}  // namespace reachprobe::history
