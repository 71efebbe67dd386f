#pragma once
#include <cstddef>
#include <vector>

namespace reachprobe::engine {

// Loss and round-trip statistics over a set of probes, as ping/mtr report them.
struct RttStats {
  std::size_t sent = 0;      // probes whose fate is known (in-flight ones excluded, as mtr does)
  std::size_t received = 0;  // probes answered
  double loss_ratio = 0.0;
  double best_seconds = 0.0;
  double avg_seconds = 0.0;
  double worst_seconds = 0.0;
  double stddev_seconds = 0.0;  // population standard deviation, as mtr's StDev
};

RttStats summarize_rtts(const std::vector<double>& rtts_seconds, std::size_t sent);

}  // namespace reachprobe::engine
