#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "history/history_types.hpp"
#include "history/sqlite_db.hpp"

namespace reachprobe::history {

// The restored part of the status board after a restart: per key its state and the 10-minute
// buckets of the last 24 hours.
struct KeySnapshot {
  std::optional<bool> success;
  std::string verdict;
  std::string summary;
  std::int64_t since_ms = 0;
  std::int64_t last_ms = 0;
  std::vector<Bucket> fine;  // oldest first
};
using BoardSnapshot = std::unordered_map<std::string, KeySnapshot>;  // by key id

// Tiers of the store (README "History"): raw runs for an hour, 10-minute aggregates for two
// days, hour aggregates and events until the retention.
inline constexpr std::int64_t kRawKeepMs = 3600 * 1000;
inline constexpr std::int64_t kFineSeconds = 600;
inline constexpr std::int64_t kFineKeepMs = 48 * 3600 * 1000;
inline constexpr std::int64_t kHourSeconds = 3600;
inline constexpr std::int64_t kRunSliceMs = 10'000;       // raw runs are clustered by slice
inline constexpr std::int64_t kHourRowEveryMs = 600'000;  // an open hour row's rewrites

// The SQLite side of the history store. Every member runs on the store's one worker thread:
// it owns the connection and the aggregates not yet written, and shares nothing.
class StoreWorker {
 public:
  StoreWorker(std::string path, std::chrono::seconds retention)
      : path_(std::move(path)), retention_ms_(retention.count() * 1000) {}
  ~StoreWorker();

  // Takes the instance lock, opens or creates the file, checks it and sets up the schema.
  std::optional<DbError> open();
  bool is_open() const { return db_.has_value(); }

  // One transaction: the keys first seen, then the runs. On an error nothing is written and
  // the accumulators are as before, so the batch can be offered again.
  std::optional<DbError> write(const std::vector<KeyInfo>& keys,
                               const std::vector<RunRecord>& runs);

  // Writes the aggregates and drops what is past its tier (about once a minute); `closing`
  // writes every open aggregate.
  std::optional<DbError> maintain(std::int64_t now_ms, bool closing = false);

  KeyHistory key_history(const std::string& id, std::int64_t from_ms, std::int64_t to_ms,
                         std::size_t max_runs);
  std::map<std::string, LongWindows> long_windows(const std::vector<std::string>& ids,
                                                  std::int64_t now_ms);
  BoardSnapshot board_snapshot(std::int64_t now_ms);

 private:
  struct Accumulator {
    Bucket bucket;
    LatencyCounts latency{};
    bool dirty = false;
    std::int64_t written_ms = 0;  // when maintain() last wrote it
  };
  struct KeyState {
    std::int64_t row = 0;
    std::int64_t last_ms = 0;
    std::int64_t written_last_ms = 0;  // keys.last_ms as last written
    std::optional<bool> success;       // of the last run written
    std::string verdict;
    std::int64_t streak_event = 0;    // the open failure streak's events row, 0: none
    std::string streak_verdict;       // a streak is consecutive failures with one verdict
    std::string streak_last_summary;  // its latest sentence (timings differ run to run)
    std::uint32_t streak_count = 0;
    std::int64_t streak_last_ms = 0;
    bool streak_dirty = false;
    Accumulator fine;
    Accumulator hour;
  };

  std::optional<DbError> quick_check();
  std::optional<DbError> create_schema();
  std::optional<std::int64_t> key_row(const std::string& id);
  std::optional<DbError> add_run(KeyState& key, const RunRecord& run);
  void seed(Accumulator& acc, std::int64_t row, std::int64_t resolution, std::int64_t start_s);
  std::optional<DbError> write_accumulator(std::int64_t row, std::int64_t resolution,
                                           const Accumulator& acc);
  std::optional<DbError> write_streak(KeyState& key);
  std::optional<DbError> fail(std::string_view doing);
  void merge_unwritten(std::int64_t row, std::int64_t resolution, std::vector<Bucket>& buckets,
                       std::int64_t from_s) const;

  Statement& statement(const char* sql);  // prepared once per literal

  std::string path_;
  std::int64_t retention_ms_;
  std::int64_t last_cleanup_ms_ = 0;
  std::unordered_map<const char*, Statement> statements_;
  int lock_fd_ = -1;
  std::optional<Db> db_;
  std::unordered_map<std::string, KeyState> keys_;  // by key id
  std::unordered_map<std::int64_t, std::string> id_by_row_;
};

// Accumulates one run into a bucket and its latency counts.
void add_to_bucket(Bucket& bucket, LatencyCounts& latency, bool success, double duration_s);

}  // namespace reachprobe::history
