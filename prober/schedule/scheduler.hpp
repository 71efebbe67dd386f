#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/asio.hpp"
#include "engine/histogram_counts.hpp"
#include "engine/result_sink.hpp"
#include "layers/probe_session.hpp"
#include "schedule/key_spec.hpp"

namespace reachprobe::schedule {

// Runs every key on its interval on the io_context (CONTRACT §7): one timer loop per key, the
// first start spread over the interval by the key's hash, never two runs of a key at once (a
// tick while it still runs is skipped and counted), at most max_concurrency probes in flight
// across all keys (the rest wait, which shows as start lag). Results go to the sinks.
class Scheduler {
 public:
  // Told of each exception a run threw (a bug): the run failed, the daemon goes on.
  using BugReporter = std::function<void(const std::string& key, const std::string& what)>;

  Scheduler(std::shared_ptr<layers::Services> services, BugReporter on_bug);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void add_sink(engine::ResultSink* sink);
  // At most `max` probes in flight; 0 or below: default_max_concurrency().
  void set_max_concurrency(int max);
  // A quarter of the soft RLIMIT_NOFILE, between 64 and 4096: a probe holds one or two
  // descriptors, and the rest stay for /probe, scrapes and the libraries.
  static std::size_t default_max_concurrency();

  // Makes `keys` the running set, as a diff: a key that stays keeps its schedule and counters
  // (a new interval re-phases it), a new key starts, a removed key stops and leaves the sinks.
  void apply(const KeyList& keys);

  std::size_t keys() const;
  std::size_t in_flight() const;
  const engine::HistogramCounts<engine::kStartLagBuckets.size()>& start_lag() const;

  // Stops every loop; runs in flight end with the io_context.
  void stop();

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace reachprobe::schedule
