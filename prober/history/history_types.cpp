#include "history/history_types.hpp"

#include <algorithm>

namespace reachprobe::history {

std::size_t latency_bucket(double seconds) {
  auto it = std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
  return static_cast<std::size_t>(it - kLatencyBounds.begin());
}

std::optional<double> latency_quantile(const LatencyCounts& counts, double q) {
  std::uint64_t total = 0;
  for (auto c : counts) total += c;
  if (total == 0) return std::nullopt;
  // The rank of the quantile, 1-based: the bucket whose running total reaches it holds it.
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
  rank = std::clamp<std::uint64_t>(rank, 1, total);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    running += counts[i];
    if (running >= rank) {
      // Above the last bound: report the last bound, the most that can be said.
      return i < kLatencyBounds.size() ? kLatencyBounds[i] : kLatencyBounds.back();
    }
  }
  return kLatencyBounds.back();
}

std::string verdict_text(const std::optional<engine::Layer>& layer, engine::Reason reason) {
  if (!layer) return reason == engine::Reason::none ? "" : std::string(engine::to_string(reason));
  return std::string(engine::to_string(*layer)) + "/" + std::string(engine::to_string(reason));
}

}  // namespace reachprobe::history
