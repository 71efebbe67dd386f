#pragma once
#include <cstddef>
#include <optional>
#include <string>

namespace reachprobe::engine {

// How `serve` shares the process's file descriptors (RLIMIT_NOFILE is per process, so there
// is one budget): at most max_connections() for HTTP connections, and probes start only while
// probe_reserve() descriptors stay free, so that probes short of descriptors fail on their own
// (503) instead of locking the exporter out of /metrics and /-/healthy. README, "Exporter
// limits", states the numbers.
class FdBudget {
 public:
  // The soft RLIMIT_NOFILE read now; the flag's connection cap bounded by half of it.
  static FdBudget from_rlimit(std::size_t max_connections_flag);
  FdBudget(std::size_t limit, std::size_t max_connections_flag);

  std::size_t limit() const { return limit_; }
  std::size_t max_connections() const { return max_connections_; }
  std::size_t probe_reserve() const { return probe_reserve_; }
  // Probes may run at once: a few connection slots stay for non-probe requests.
  std::size_t max_probes() const { return max_probes_; }

  // Why a probe may not start now (the 503 sentence), given the descriptors open and the
  // probes in flight; nullopt when it may.
  std::optional<std::string> refuse_probe(std::size_t open_fds, std::size_t probes) const;

  // The descriptors this process has open (entries of /proc/self/fd): one directory read,
  // tens of microseconds at a thousand descriptors. When even that cannot be opened, the
  // answer is limit(): the process is out of descriptors.
  std::size_t count_open_fds() const;

 private:
  std::size_t limit_;
  std::size_t max_connections_;
  std::size_t probe_reserve_;
  std::size_t max_probes_;
};

// The budget `serve` configured (set once at start-up); nullptr in `check`.
const FdBudget* process_fd_budget();
void set_process_fd_budget(const FdBudget& budget);

}  // namespace reachprobe::engine
