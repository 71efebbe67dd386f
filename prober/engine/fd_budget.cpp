#include "engine/fd_budget.hpp"

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <memory>

namespace reachprobe::engine {
namespace {

// Descriptors one probe opens in the common case (a TCP or UDP socket, a second for curl or
// a DNS lookup); a probe needs at least this many free to be worth starting.
constexpr std::size_t kFdsPerProbe = 4;

std::unique_ptr<FdBudget>& budget_slot() {
  static std::unique_ptr<FdBudget> budget;
  return budget;
}

}  // namespace

FdBudget FdBudget::from_rlimit(std::size_t max_connections_flag) {
  rlimit limit{};
  std::size_t soft = 1024;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    soft = limit.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20 : limit.rlim_cur;
  }
  return FdBudget(soft, max_connections_flag);
}

FdBudget::FdBudget(std::size_t limit, std::size_t max_connections_flag)
    : limit_(std::max<std::size_t>(limit, 16)),
      // Half the descriptors for connections, the other half for probes and the process.
      max_connections_(std::clamp<std::size_t>(max_connections_flag, 1, limit_ / 2)),
      // An eighth of the limit, at least 16 and at most 256, never used by probes.
      probe_reserve_(std::clamp<std::size_t>(limit_ / 8, 16, 256)),
      max_probes_(max_connections_ -
                  std::min(max_connections_ - 1, std::max<std::size_t>(4, max_connections_ / 8))) {}

std::optional<std::string> FdBudget::refuse_probe(std::size_t open_fds, std::size_t probes) const {
  if (open_fds + kFdsPerProbe + probe_reserve_ > limit_) {
    return "prober out of file descriptors: " + std::to_string(open_fds) + " of " +
           std::to_string(limit_) + " open, " + std::to_string(probe_reserve_) +
           " kept for the exporter's own connections; probe not started";
  }
  if (probes >= max_probes_) {
    return "prober at its limit of " + std::to_string(max_probes_) +
           " concurrent probes (--web.max-connections " + std::to_string(max_connections_) +
           "); probe not started";
  }
  return std::nullopt;
}

std::size_t FdBudget::count_open_fds() const {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return limit_;
  std::size_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count > 0 ? count - 1 : 0;  // the directory's own descriptor
}

std::optional<std::string> FdBudget::admit_probe(std::size_t probes,
                                                 std::chrono::steady_clock::time_point now) {
  // This probe included: the reading is trusted only if even the worst case leaves it room.
  std::size_t worst_since = (admitted_since_count_ + 1) * kMaxFdsPerAdmission + kAdmissionSlack;
  if (!counted_ || now - counted_at_ >= kCountMaxAge ||
      *counted_ + worst_since + probe_reserve_ > limit_) {
    counted_ = count_open_fds();
    counted_at_ = now;
    admitted_since_count_ = 0;
  }
  auto refused = refuse_probe(*counted_, probes);
  if (!refused) ++admitted_since_count_;
  return refused;
}

FdBudget* process_fd_budget() {
  return budget_slot().get();
}

void set_process_fd_budget(const FdBudget& budget) {
  budget_slot() = std::make_unique<FdBudget>(budget);
}

}  // namespace reachprobe::engine
