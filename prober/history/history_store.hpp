#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/asio.hpp"
#include "history/history_types.hpp"
#include "history/store_worker.hpp"

namespace reachprobe::history {

// The history of scheduled runs in SQLite (CONTRACT §7), written off the probe path: the
// io_context thread only appends to a batch; about once a second the batch goes to the store's
// one worker thread, which owns the connection and writes it in one transaction. Reads run on
// the same worker and are awaited. A store that cannot be opened or written never stops
// probing: the problem is logged (rate-limited), counted, shown by health(), and opening is
// tried again every minute; runs that cannot be written are counted and dropped.
class HistoryStore {
 public:
  enum class Severity { warn, error };
  // Called on the io_context thread.
  using Log = std::function<void(Severity, const std::string& message, const std::string& detail)>;

  struct Health {
    bool available = false;   // open and the last write went through
    bool persistent = false;  // false for :memory:
    std::string problem;      // the last problem, for the status page's banner
    std::uint64_t errors = 0;
    std::uint64_t dropped_runs = 0;
  };

  HistoryStore(net::any_io_executor io, std::string path, std::chrono::seconds retention, Log log);
  ~HistoryStore();  // writes what is pending, then joins the worker
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // Opens the file on the worker and starts the one-second batches.
  void start();

  void key_seen(KeyInfo key) { pending_keys_.push_back(std::move(key)); }
  void record(RunRecord run) { pending_runs_.push_back(std::move(run)); }

  net::awaitable<KeyHistory> key_history(std::string id, std::int64_t from_ms, std::int64_t to_ms,
                                         std::size_t max_runs);
  net::awaitable<std::map<std::string, LongWindows>> long_windows(std::vector<std::string> ids);
  net::awaitable<BoardSnapshot> board_snapshot();

  Health health() const;
  const std::string& path() const { return path_; }

 private:
  struct Shared;  // what the worker thread and the io_context thread both see

  void arm_timer();
  void flush();

  net::any_io_executor io_;
  std::string path_;
  std::shared_ptr<Shared> shared_;
  net::thread_pool pool_{1};
  net::steady_timer timer_;
  std::vector<KeyInfo> pending_keys_;
  std::vector<RunRecord> pending_runs_;
};

}  // namespace reachprobe::history
