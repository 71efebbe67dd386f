#pragma once
#include <algorithm>
#include <chrono>

namespace reachprobe::engine {

// A point on the steady clock by which something must be done. Passed by value so that every
// layer states its budget explicitly instead of reading a shared clock (CONTRACT §3 rule 5).
class Deadline {
 public:
  using clock = std::chrono::steady_clock;

  static Deadline at(clock::time_point when) { return Deadline(when); }
  static Deadline from_now(clock::duration budget) { return Deadline(clock::now() + budget); }

  clock::time_point when() const { return when_; }
  clock::duration time_left() const {
    return std::max(clock::duration::zero(), when_ - clock::now());
  }
  bool is_reached() const { return clock::now() >= when_; }

  // The tighter of this deadline and a share of time starting now.
  Deadline capped(clock::duration share) const {
    return Deadline(std::min(when_, clock::now() + share));
  }

 private:
  explicit Deadline(clock::time_point when) : when_(when) {}
  clock::time_point when_;
};

}  // namespace reachprobe::engine
