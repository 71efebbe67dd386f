#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace reachprobe::engine {

// A histogram's counts before they are made cumulative: one per bound plus +Inf, and the sum.
// Plain data, so the scheduler can keep one without a metrics library.
template <std::size_t N>
struct HistogramCounts {
  std::array<std::uint64_t, N + 1> counts{};
  double sum = 0;
  void observe(const std::array<double, N>& bounds, double value) {
    std::size_t i = 0;
    while (i < N && value > bounds[i]) ++i;
    ++counts[i];
    sum += value;
  }
};

// Bucket bounds of reachprobe_schedule_start_lag_seconds (seconds).
inline constexpr std::array<double, 12> kStartLagBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                            0.25,  0.5,   1,    2.5,   5,    10};

}  // namespace reachprobe::engine
