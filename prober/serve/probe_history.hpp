#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace reachprobe::serve {

// The landing page's "recent probes", bounded by --history.limit exactly as blackbox_exporter's
// ResultHistory: the last `limit` results, plus up to `limit` failures that have been pushed
// out of them ("preservedFailedResults"), so a failure stays inspectable after a burst of
// successes. Ids count up from 0 and are never reused.
class ProbeHistory {
 public:
  struct Entry {
    std::uint64_t id = 0;
    std::string module;
    std::string target;
    bool success = false;
    // What /logs?id= serves, rendered when asked: the debug text of every probe (its report
    // as JSON, the metrics, the module as YAML) was a fifth of a /probe's CPU when written
    // for each answer, and few are ever read.
    std::function<std::string()> render_debug;
    std::string debug_output() const { return render_debug ? render_debug() : std::string(); }
  };

  explicit ProbeHistory(std::size_t limit) : limit_(limit) {}

  // Records a finished probe and returns its id.
  std::uint64_t add(std::string module, std::string target, bool success,
                    std::function<std::string()> render_debug);
  // The same with the debug text already written.
  std::uint64_t add(std::string module, std::string target, bool success, std::string debug_output);

  // Every kept entry, newest first: the recent results, then the preserved failures (the
  // order of blackbox's landing page).
  std::vector<const Entry*> newest_first() const;

  // The entry with this id, recent or preserved; null when it is no longer kept.
  const Entry* find(std::uint64_t id) const;

  std::size_t limit() const { return limit_; }

 private:
  std::size_t limit_;
  std::uint64_t next_id_ = 0;
  std::deque<Entry> recent_;     // oldest first
  std::deque<Entry> preserved_;  // failures evicted from recent_, oldest first
};

}  // namespace reachprobe::serve
