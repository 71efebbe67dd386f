#include "history/history_store.hpp"

#include <pthread.h>

#include <iostream>
#include <utility>

namespace reachprobe::history {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Batches waiting for the worker at most (a minute of runs): past it the disk is not keeping
// up, and holding more would only grow memory until the process dies.
constexpr int kMaxQueuedBatches = 60;
constexpr std::int64_t kMaintainEveryMs = 60 * 1000;
constexpr std::int64_t kReopenEveryMs = 60 * 1000;
constexpr auto kLogEvery = std::chrono::minutes(1);

}  // namespace

struct HistoryStore::Shared {
  Shared(std::string path, std::chrono::seconds retention, Log log_fn, net::any_io_executor ex)
      : worker(std::move(path), retention), log(std::move(log_fn)), io(std::move(ex)) {}

  StoreWorker worker;  // the worker thread only
  Log log;             // the io_context thread only
  net::any_io_executor io;
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<int> queued{0};
  std::atomic<bool> available{false};
  std::atomic<bool> closing{false};
  mutable std::mutex mutex;
  std::string problem;  // guarded by mutex

  // The worker thread only.
  std::chrono::steady_clock::time_point last_log{};
  std::uint64_t unlogged = 0;
  std::int64_t last_maintain_ms = 0;
  std::int64_t last_open_ms = 0;

  void emit(Severity severity, std::string message, std::string detail) {
    if (closing) {
      // The io_context may be going away: the last words go straight to stderr.
      std::cerr << "reachprobe: " << message << ": " << detail << "\n";
      return;
    }
    net::post(io, [this, severity, message = std::move(message), detail = std::move(detail)] {
      log(severity, message, detail);
    });
  }

  // Worker thread: counts the problem, shows it on the page, and logs it at most once a minute
  // (a full disk fails every batch; one line a second would bury everything else).
  void report(const DbError& error, const std::string& what) {
    ++errors;
    available = false;
    {
      std::lock_guard lock(mutex);
      problem = what + ": " + error.message;
    }
    auto now = std::chrono::steady_clock::now();
    if (last_log != std::chrono::steady_clock::time_point{} && now - last_log < kLogEvery) {
      ++unlogged;
      return;
    }
    std::string detail = error.message;
    if (unlogged > 0)
      detail += " (" + std::to_string(unlogged) + " more store errors since the last line)";
    detail +=
        "; probing goes on, runs that cannot be written are counted in "
        "reachprobe_storage_errors_total";
    unlogged = 0;
    last_log = now;
    emit(Severity::error, what, detail);
  }

  void try_open(std::int64_t now) {
    last_open_ms = now;
    if (auto error = worker.open()) {
      report(*error, "History store unavailable");
      return;
    }
    available = true;
    {
      std::lock_guard lock(mutex);
      problem.clear();
    }
    if (errors > 0) emit(Severity::warn, "History store available again", worker_path);
  }

  void write(const std::vector<KeyInfo>& keys, const std::vector<RunRecord>& runs) {
    const std::int64_t now = now_ms();
    if (!worker.is_open() && now - last_open_ms >= kReopenEveryMs) try_open(now);
    if (!worker.is_open()) {
      dropped += runs.size();
      return;
    }
    if (keys.empty() && runs.empty()) {
      // Nothing to write this second.
    } else if (auto error = worker.write(keys, runs)) {
      dropped += runs.size();
      report(*error, "Cannot write the history store, " + std::to_string(runs.size()) +
                         " runs not recorded");
    } else if (!available) {
      available = true;
      std::lock_guard lock(mutex);
      problem.clear();
    }
    if (now - last_maintain_ms >= kMaintainEveryMs) maintain(now);
  }

  void maintain(std::int64_t now, bool final_write = false) {
    last_maintain_ms = now;
    if (!worker.is_open()) return;
    if (auto error = worker.maintain(now, final_write))
      report(*error, "Cannot maintain the history store");
  }

  std::string worker_path;
};

HistoryStore::HistoryStore(net::any_io_executor io, std::string path,
                           std::chrono::seconds retention, Log log)
    : io_(io),
      path_(path),
      shared_(std::make_shared<Shared>(path, retention, std::move(log), io)),
      timer_(io) {
  shared_->worker_path = path_;
}

HistoryStore::~HistoryStore() {
  timer_.cancel();
  shared_->closing = true;
  // What the last second ran, and the open aggregates: a restart finds them.
  net::post(pool_,
            [shared = shared_, keys = std::move(pending_keys_), runs = std::move(pending_runs_)] {
              shared->write(keys, runs);
              shared->maintain(now_ms(), true);
            });
  pool_.join();
}

void HistoryStore::start() {
  net::post(pool_, [shared = shared_] {
    // Named, so `top -H` and the history benchmark can tell its CPU from the probes'.
    pthread_setname_np(pthread_self(), "rp-history");
    shared->try_open(now_ms());
  });
  arm_timer();
}

void HistoryStore::arm_timer() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;  // cancelled: the store is going away, `this` may be gone
    flush();
    arm_timer();
  });
}

void HistoryStore::flush() {
  if (pending_keys_.empty() && pending_runs_.empty()) {
    // Nothing new: the worker still maintains (and retries opening) once a minute.
    net::post(pool_, [shared = shared_] { shared->write({}, {}); });
    return;
  }
  if (shared_->queued >= kMaxQueuedBatches) {
    shared_->dropped += pending_runs_.size();
    ++shared_->errors;
    pending_runs_.clear();  // keys stay: they are small and needed by later runs
    return;
  }
  ++shared_->queued;
  net::post(pool_,
            [shared = shared_, keys = std::move(pending_keys_), runs = std::move(pending_runs_)] {
              shared->write(keys, runs);
              --shared->queued;
            });
  pending_keys_.clear();
  pending_runs_.clear();
}

namespace {

net::awaitable<KeyHistory> read_key_history(std::shared_ptr<void> keep, StoreWorker* worker,
                                            std::string id, std::int64_t from, std::int64_t to,
                                            std::size_t max_runs) {
  (void)keep;
  co_return worker->key_history(id, from, to, max_runs);
}

net::awaitable<std::map<std::string, LongWindows>> read_long_windows(std::shared_ptr<void> keep,
                                                                     StoreWorker* worker,
                                                                     std::vector<std::string> ids) {
  (void)keep;
  co_return worker->long_windows(ids, now_ms());
}

net::awaitable<BoardSnapshot> read_board(std::shared_ptr<void> keep, StoreWorker* worker) {
  (void)keep;
  co_return worker->board_snapshot(now_ms());
}

}  // namespace

net::awaitable<KeyHistory> HistoryStore::key_history(std::string id, std::int64_t from_ms,
                                                     std::int64_t to_ms, std::size_t max_runs) {
  try {
    co_return co_await net::co_spawn(
        pool_, read_key_history(shared_, &shared_->worker, std::move(id), from_ms, to_ms, max_runs),
        net::use_awaitable);
  } catch (const std::exception&) {
    ++shared_->errors;  // a read that threw: the page shows what it has
  }
  co_return KeyHistory{};
}

net::awaitable<std::map<std::string, LongWindows>> HistoryStore::long_windows(
    std::vector<std::string> ids) {
  try {
    co_return co_await net::co_spawn(
        pool_, read_long_windows(shared_, &shared_->worker, std::move(ids)), net::use_awaitable);
  } catch (const std::exception&) {
    ++shared_->errors;  // a read that threw: the page shows what it has
  }
  co_return std::map<std::string, LongWindows>{};
}

net::awaitable<BoardSnapshot> HistoryStore::board_snapshot() {
  try {
    co_return co_await net::co_spawn(pool_, read_board(shared_, &shared_->worker),
                                     net::use_awaitable);
  } catch (const std::exception&) {
    ++shared_->errors;  // a read that threw: the page shows what it has
  }
  co_return BoardSnapshot{};
}

HistoryStore::Health HistoryStore::health() const {
  Health h;
  h.available = shared_->available;
  h.persistent = path_ != ":memory:";
  h.errors = shared_->errors;
  h.dropped_runs = shared_->dropped;
  std::lock_guard lock(shared_->mutex);
  h.problem = shared_->problem;
  return h;
}

}  // namespace reachprobe::history
