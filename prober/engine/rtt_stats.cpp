#include "engine/rtt_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace reachprobe::engine {

RttStats summarize_rtts(const std::vector<double>& rtts_seconds, std::size_t sent) {
  RttStats stats;
  stats.sent = sent;
  stats.received = rtts_seconds.size();
  if (sent > 0) {
    stats.loss_ratio = 1.0 - static_cast<double>(stats.received) /
                                 static_cast<double>(std::max(sent, stats.received));
  }
  if (rtts_seconds.empty()) return stats;
  auto [lo, hi] = std::minmax_element(rtts_seconds.begin(), rtts_seconds.end());
  stats.best_seconds = *lo;
  stats.worst_seconds = *hi;
  double n = static_cast<double>(rtts_seconds.size());
  stats.avg_seconds = std::accumulate(rtts_seconds.begin(), rtts_seconds.end(), 0.0) / n;
  double sq = 0;
  for (double r : rtts_seconds) sq += (r - stats.avg_seconds) * (r - stats.avg_seconds);
  stats.stddev_seconds = std::sqrt(sq / n);
  return stats;
}

}  // namespace reachprobe::engine
