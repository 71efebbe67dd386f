#pragma once
#include <chrono>
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

  // refuse_probe() for a probe about to start now, with probes in flight. The directory read
  // was a sixth of a /probe's CPU when done for every probe, so its count is reused while the
  // descriptors that could have been opened since (kMaxFdsPerAdmission for every probe
  // admitted since, plus a fixed slack for connections accepted meanwhile) still leave the
  // reserve untouched, and for at most kCountMaxAge: far from the limit it is read ten times
  // a second, close to it before every probe.
  std::optional<std::string> admit_probe(std::size_t probes,
                                         std::chrono::steady_clock::time_point now);

  static constexpr std::size_t kMaxFdsPerAdmission = 16;
  static constexpr std::size_t kAdmissionSlack = 64;
  static constexpr std::chrono::milliseconds kCountMaxAge{100};

 private:
  std::size_t limit_;
  std::size_t max_connections_;
  std::size_t probe_reserve_;
  std::size_t max_probes_;
  std::optional<std::size_t> counted_;  // the last reading of count_open_fds()
  std::chrono::steady_clock::time_point counted_at_;
  std::size_t admitted_since_count_ = 0;
};

// The budget `serve` configured (set once at start-up); nullptr in `check`.
FdBudget* process_fd_budget();
void set_process_fd_budget(const FdBudget& budget);

}  // namespace reachprobe::engine
