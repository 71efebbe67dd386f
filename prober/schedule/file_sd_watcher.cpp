#include "schedule/file_sd_watcher.hpp"

#include <glob.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "targets/bounded_file.hpp"

namespace reachprobe::schedule {
namespace {

using namespace std::chrono_literals;

// Events that arrive together (an editor's write, then its rename) make one scan.
constexpr auto kSettle = 100ms;
constexpr std::size_t kSdFileCap = 16 * 1024 * 1024;

// The thread that reads file_sd files, as an io_context service so the io_context's destructor
// joins it before its handlers go.
class SdReadWorker : public net::execution_context::service {
 public:
  static net::execution_context::id id;
  explicit SdReadWorker(net::execution_context& owner) : net::execution_context::service(owner) {}
  net::thread_pool::executor_type executor() { return pool_.get_executor(); }

 private:
  void shutdown() override { pool_.join(); }
  net::thread_pool pool_{1};
};
net::execution_context::id SdReadWorker::id;

std::string directory_of(const std::string& pattern) {
  auto slash = pattern.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : pattern.substr(0, slash);
}

// On the worker: glob, read and parse every file of every entry. Values in, values out.
std::vector<SdScan> scan_files(const std::vector<targets::FileSdSpec>& specs) {
  std::vector<SdScan> scans(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    std::set<std::string> files;
    for (const auto& pattern : specs[i].files) {
      glob_t found{};
      if (::glob(pattern.c_str(), 0, nullptr, &found) == 0) {
        for (std::size_t n = 0; n < found.gl_pathc; ++n) files.insert(found.gl_pathv[n]);
      }
      ::globfree(&found);
    }
    for (const auto& file : files) {
      auto text = targets::read_bounded_file(file, kSdFileCap);
      if (!text) {
        scans[i].emplace(file, targets::Expected<std::vector<targets::SdGroup>>::failure(
                                   file + ": " + text.error()));
        continue;
      }
      scans[i].emplace(file, targets::parse_file_sd(*text, file));
    }
  }
  return scans;
}

net::awaitable<std::vector<SdScan>> scan_on_worker(std::vector<targets::FileSdSpec> specs) {
  co_return scan_files(specs);
}

}  // namespace

struct FileSdWatcher::State {
  State(net::any_io_executor ex, std::vector<targets::FileSdSpec> s, OnScan cb)
      : executor(ex),
        specs(std::move(s)),
        on_scan(std::move(cb)),
        events(ex),
        settle(ex),
        refresh(ex) {}
  net::any_io_executor executor;
  std::vector<targets::FileSdSpec> specs;
  OnScan on_scan;
  net::posix::stream_descriptor events;
  net::steady_timer settle;
  net::steady_timer refresh;
  bool scanning = false;
  bool again = false;  // a change arrived during a scan
  bool stopped = false;
};

namespace {

using State = FileSdWatcher::State;

// Before every scan: (re)adds the watch of each directory. One that did not exist yet, or was
// removed and made again, is watched from now on; an existing watch is left as it is.
void watch_directories(State& state) {
  if (!state.events.is_open()) return;
  for (const auto& spec : state.specs) {
    for (const auto& pattern : spec.files) {
      auto dir = directory_of(pattern);
      ::inotify_add_watch(state.events.native_handle(), dir.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE |
                              IN_DELETE_SELF | IN_MOVE_SELF);
    }
  }
}

net::awaitable<void> scan(std::shared_ptr<State> state) {
  if (state->scanning) {
    state->again = true;
    co_return;
  }
  state->scanning = true;
  do {
    state->again = false;
    watch_directories(*state);
    auto& worker =
        net::use_service<SdReadWorker>(net::query(state->executor, net::execution::context));
    auto scans =
        co_await net::co_spawn(worker.executor(), scan_on_worker(state->specs), net::use_awaitable);
    if (state->stopped) co_return;
    for (std::size_t i = 0; i < scans.size(); ++i) state->on_scan(i, std::move(scans[i]));
  } while (state->again && !state->stopped);
  state->scanning = false;
}

net::awaitable<void> settle_then_scan(std::shared_ptr<State> state) {
  state->settle.expires_after(kSettle);
  auto [ec] = co_await state->settle.async_wait(use_result);
  if (ec || state->stopped) co_return;  // a newer event restarted the wait
  co_await scan(state);
}

net::awaitable<void> read_events(std::shared_ptr<State> state) {
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    auto [ec, n] = co_await state->events.async_read_some(net::buffer(buffer), use_result);
    if (ec || state->stopped) co_return;
    // What changed does not matter: every change rescans (after the burst settles).
    state->settle.cancel();
    net::co_spawn(state->executor, settle_then_scan(state), net::detached);
  }
}

net::awaitable<void> refresh_loop(std::shared_ptr<State> state) {
  auto every = std::chrono::nanoseconds(std::chrono::minutes(5));
  for (const auto& spec : state->specs) every = std::min(every, spec.refresh_interval);
  for (;;) {
    state->refresh.expires_after(every);
    auto [ec] = co_await state->refresh.async_wait(use_result);
    if (ec || state->stopped) co_return;
    co_await scan(state);
  }
}

}  // namespace

FileSdWatcher::FileSdWatcher(net::any_io_executor executor, std::vector<targets::FileSdSpec> specs,
                             OnScan on_scan)
    : state_(std::make_shared<State>(executor, std::move(specs), std::move(on_scan))) {}

FileSdWatcher::~FileSdWatcher() {
  state_->stopped = true;
  state_->settle.cancel();
  state_->refresh.cancel();
  boost::system::error_code ignored;
  state_->events.close(ignored);
}

void FileSdWatcher::start() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  // Without inotify (fd limit), the refresh poll still finds every change.
  if (fd >= 0) state_->events.assign(fd);
  if (state_->events.is_open()) net::co_spawn(state_->executor, read_events(state_), net::detached);
  net::co_spawn(state_->executor, refresh_loop(state_), net::detached);
  net::co_spawn(state_->executor, scan(state_), net::detached);
}

}  // namespace reachprobe::schedule
