#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "history/store_worker.hpp"

namespace reachprobe::history {
namespace {

// 2: runs clustered by 10-second slice (1: a rowid table with an index on (key, t), whose
// random inserts dirtied a page per run).
constexpr int kSchemaVersion = 2;

// Raw runs, clustered by time slice then key: a second's inserts land in the last few pages of
// the b-tree (an index on (key, t) took one random page per run, most of the store's disk
// writes at 10,000 keys), the hourly cut is a range at its start, and a key's runs are one
// seek per slice.
constexpr const char* kRunsTable = R"sql(
CREATE TABLE IF NOT EXISTS runs(b INTEGER NOT NULL, key INTEGER NOT NULL, t INTEGER NOT NULL,
  ok INTEGER NOT NULL, verdict TEXT, dur REAL NOT NULL, PRIMARY KEY(b, key, t)) WITHOUT ROWID;
)sql";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys(id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL,
  target TEXT NOT NULL, module TEXT NOT NULL, labels TEXT NOT NULL,
  first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS agg(key INTEGER NOT NULL, res INTEGER NOT NULL, start INTEGER NOT NULL,
  runs INTEGER NOT NULL, fails INTEGER NOT NULL, dur_sum REAL NOT NULL, dur_max REAL NOT NULL,
  lat BLOB, PRIMARY KEY(key, res, start)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, key INTEGER NOT NULL,
  first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL, count INTEGER NOT NULL,
  state_change INTEGER NOT NULL, ok INTEGER NOT NULL, verdict TEXT NOT NULL,
  summary TEXT NOT NULL, evidence TEXT NOT NULL, last_summary TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS events_by_key ON events(key, last_ms);
CREATE TABLE IF NOT EXISTS state(key INTEGER PRIMARY KEY, ok INTEGER NOT NULL,
  verdict TEXT NOT NULL, since_ms INTEGER NOT NULL, summary TEXT NOT NULL);
)sql";

std::string labels_json(const Labels& labels) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& [name, value] : labels) array.push_back({name, value});
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool is_corrupt(int code) {
  int primary = code & 0xff;
  return primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT;
}

}  // namespace

void add_to_bucket(Bucket& bucket, LatencyCounts& latency, bool success, double duration_s) {
  ++bucket.runs;
  if (!success) ++bucket.failures;
  bucket.duration_sum_s += duration_s;
  bucket.duration_max_s = std::max(bucket.duration_max_s, duration_s);
  ++latency[latency_bucket(duration_s)];
}

StoreWorker::~StoreWorker() {
  statements_.clear();
  db_.reset();
  // After the connection: closing any descriptor of the file drops SQLite's POSIX locks.
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Statement& StoreWorker::statement(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) it = statements_.emplace(sql, db_->prepare(sql)).first;
  return it->second;
}

std::optional<DbError> StoreWorker::fail(std::string_view doing) {
  return db_->last_error(doing);
}

std::optional<DbError> StoreWorker::open() {
  if (path_ != ":memory:") {
    std::filesystem::path file(path_);
    std::error_code ec;
    if (file.has_parent_path() && !std::filesystem::exists(file.parent_path(), ec)) {
      std::filesystem::create_directories(file.parent_path(), ec);
      if (ec)
        return DbError{SQLITE_CANTOPEN,
                       "cannot create " + file.parent_path().string() + ": " + ec.message()};
    }
    int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
      return DbError{SQLITE_CANTOPEN, "cannot open " + path_ + ": " + std::strerror(errno)};
    // SQLite's own locks are per transaction; this one says "one reachprobe per file".
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return DbError{SQLITE_BUSY, path_ +
                                      " is in use by another reachprobe (it holds the file's "
                                      "lock): give each instance its own --storage.path"};
    }
    lock_fd_ = fd;
  }
  DbError error;
  db_ = Db::open(path_, true, error);
  if (!db_) return DbError{error.code, "cannot open " + path_ + ": " + error.message};
  auto refuse = [this](DbError e) {
    if (is_corrupt(e.code)) {
      e.message = path_ + " is not a reachprobe history (corrupt or another file: " + e.message +
                  "); it is left untouched: move it away (mv " + path_ + " " + path_ +
                  ".corrupt) or restore a backup, then restart or reload";
    } else {
      e.message = path_ + ": " + e.message;
    }
    statements_.clear();
    db_.reset();
    return e;
  };
  // The first read of the file: a file that is not SQLite fails here, before anything is
  // written to it.
  if (auto e = db_->exec("SELECT count(*) FROM sqlite_master")) return refuse(*e);
  // A file whose header is sound can still have damaged pages, which would fail writes later
  // (or worse, be overwritten): check them once, on this worker thread, before using it.
  if (auto e = quick_check()) return refuse(*e);
  if (auto e = db_->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")) return refuse(*e);
  if (auto e = create_schema()) return refuse(*e);
  return std::nullopt;
}

std::optional<DbError> StoreWorker::quick_check() {
  auto& check = statement("PRAGMA quick_check(1)");
  int rc = check.step();
  std::string verdict = rc == SQLITE_ROW ? check.text(0) : "";
  check.reset();
  if (rc != SQLITE_ROW) return fail("checking the file");
  if (verdict == "ok") return std::nullopt;
  return DbError{SQLITE_CORRUPT, "integrity check: " + verdict};
}

std::optional<DbError> StoreWorker::create_schema() {
  if (auto e = db_->exec(kSchema)) return e;
  if (auto e = db_->exec(kRunsTable)) return e;
  auto& read = statement("SELECT value FROM meta WHERE name = 'schema_version'");
  std::optional<int> version;
  if (read.step() == SQLITE_ROW) version = std::atoi(read.text(0).c_str());
  read.reset();
  if (version && *version > kSchemaVersion) {
    return DbError{SQLITE_MISMATCH, path_ + " was written by a newer reachprobe (schema " +
                                        std::to_string(*version) + ")"};
  }
  if (version && *version == 1) {
    // The hour of raw runs moves into the clustered table; everything else is unchanged.
    const std::string slice = std::to_string(kRunSliceMs);
    const std::string migrate =
        "BEGIN IMMEDIATE; ALTER TABLE runs RENAME TO runs_v1;" + std::string(kRunsTable) +
        "INSERT OR REPLACE INTO runs(b, key, t, ok, verdict, dur) SELECT t / " + slice +
        ", key, t, ok, verdict, dur FROM runs_v1; DROP TABLE runs_v1; UPDATE meta SET value = '" +
        std::to_string(kSchemaVersion) + "' WHERE name = 'schema_version'; COMMIT;";
    if (auto e = db_->exec(migrate)) {
      db_->exec("ROLLBACK");
      return DbError{e->code, "upgrading the schema from 1: " + e->message};
    }
  }
  if (!version) {
    auto& write = statement("INSERT INTO meta(name, value) VALUES('schema_version', ?)");
    if (write.bind(0, std::to_string(kSchemaVersion)).run() != SQLITE_DONE)
      return fail("writing the schema version");
  }
  return std::nullopt;
}

std::optional<std::int64_t> StoreWorker::key_row(const std::string& id) {
  auto& find = statement("SELECT id FROM keys WHERE key = ?");
  find.bind(0, id);
  std::optional<std::int64_t> row;
  if (find.step() == SQLITE_ROW) row = find.int64(0);
  find.reset();
  return row;
}

std::optional<DbError> StoreWorker::write(const std::vector<KeyInfo>& keys,
                                          const std::vector<RunRecord>& runs) {
  if (!db_) return DbError{SQLITE_CANTOPEN, "the store is not open"};
  if (auto e = db_->exec("BEGIN IMMEDIATE")) return e;
  auto rollback = [this](std::optional<DbError> e) {
    db_->exec("ROLLBACK");
    return e;
  };
  for (const auto& key : keys) {
    auto& upsert = statement(
        "INSERT INTO keys(key, target, module, labels, first_ms, last_ms) VALUES(?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET target = excluded.target, module = excluded.module, "
        "labels = excluded.labels");
    auto now = runs.empty() ? 0 : runs.front().time_ms;
    upsert.bind(0, key.id).bind(1, key.target).bind(2, key.module).bind(3, labels_json(key.labels));
    upsert.bind(4, now).bind(5, now);
    if (upsert.run() != SQLITE_DONE) return rollback(fail("recording a key"));
    auto row = key_row(key.id);
    if (!row) return rollback(fail("reading a key back"));
    auto& state = keys_[key.id];
    state.row = *row;
    id_by_row_[*row] = key.id;
  }
  for (const auto& run : runs) {
    auto it = keys_.find(run.key_id);
    if (it == keys_.end()) {
      auto row = key_row(run.key_id);
      if (!row) continue;  // a run of a key never announced: a bug upstream, not the disk's
      it = keys_.emplace(run.key_id, KeyState{}).first;
      it->second.row = *row;
      id_by_row_[*row] = run.key_id;
    }
    if (auto e = add_run(it->second, run)) return rollback(e);
  }
  if (auto e = db_->exec("COMMIT")) return rollback(e);
  return std::nullopt;
}

std::optional<DbError> StoreWorker::add_run(KeyState& key, const RunRecord& run) {
  const std::string verdict = run.success ? "" : verdict_text(run.layer, run.reason);
  // OR REPLACE: two runs of one key in one millisecond are one run, not a failed batch.
  auto& insert = statement(
      "INSERT OR REPLACE INTO runs(b, key, t, ok, verdict, dur) VALUES(?, ?, ?, ?, ?, ?)");
  insert.bind(0, run.time_ms / kRunSliceMs).bind(1, key.row).bind(2, run.time_ms);
  insert.bind(3, std::int64_t{run.success});
  if (run.success)
    insert.bind_null(4);
  else
    insert.bind(4, verdict);
  insert.bind(5, run.duration_s);
  if (insert.run() != SQLITE_DONE) return fail("recording a run");

  const std::int64_t seconds = run.time_ms / 1000;
  for (auto [acc, resolution] : {std::pair{&key.fine, kFineSeconds}, {&key.hour, kHourSeconds}}) {
    const std::int64_t start = seconds / resolution * resolution;
    if (acc->bucket.runs == 0 || acc->bucket.start_s != start) {
      if (acc->dirty) {
        if (auto e = write_accumulator(key.row, resolution, *acc)) return e;
      }
      seed(*acc, key.row, resolution, start);
    }
    add_to_bucket(acc->bucket, acc->latency, run.success, run.duration_s);
    acc->dirty = true;
  }

  if (!run.success) {
    if (key.streak_event != 0 && key.streak_verdict == verdict && !run.state_change) {
      ++key.streak_count;
      key.streak_last_summary = run.summary;
      key.streak_last_ms = run.time_ms;
      key.streak_dirty = true;
    } else {
      if (auto e = write_streak(key)) return e;
      auto& event = statement(
          "INSERT INTO events(key, first_ms, last_ms, count, state_change, ok, verdict, summary, "
          "evidence) VALUES(?, ?, ?, 1, ?, 0, ?, ?, ?)");
      event.bind(0, key.row).bind(1, run.time_ms).bind(2, run.time_ms);
      event.bind(3, std::int64_t{run.state_change}).bind(4, verdict).bind(5, run.summary);
      event.bind(6, run.evidence_json);
      if (event.run() != SQLITE_DONE) return fail("recording a failure");
      key.streak_event = db_->last_insert_rowid();
      key.streak_verdict = verdict;
      key.streak_last_summary = run.summary;
      key.streak_count = 1;
      key.streak_last_ms = run.time_ms;
    }
  } else {
    if (auto e = write_streak(key)) return e;
    key.streak_event = 0;
    if (run.state_change) {
      auto& event = statement(
          "INSERT INTO events(key, first_ms, last_ms, count, state_change, ok, verdict, summary, "
          "evidence) VALUES(?, ?, ?, 1, 1, 1, '', ?, ?)");
      event.bind(0, key.row).bind(1, run.time_ms).bind(2, run.time_ms);
      event.bind(3, run.summary).bind(4, run.evidence_json);
      if (event.run() != SQLITE_DONE) return fail("recording a state change");
    }
  }

  if (run.state_change || key.success != run.success || key.verdict != verdict) {
    auto& state = statement(
        "INSERT INTO state(key, ok, verdict, since_ms, summary) VALUES(?, ?, ?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET ok = excluded.ok, verdict = excluded.verdict, "
        "summary = excluded.summary, since_ms = CASE WHEN ok = excluded.ok THEN since_ms "
        "ELSE excluded.since_ms END");
    state.bind(0, key.row).bind(1, std::int64_t{run.success}).bind(2, verdict);
    state.bind(3, run.time_ms).bind(4, run.summary);
    if (state.run() != SQLITE_DONE) return fail("recording a state");
  }
  key.success = run.success;
  key.verdict = verdict;
  key.last_ms = std::max(key.last_ms, run.time_ms);
  return std::nullopt;
}

void StoreWorker::seed(Accumulator& acc, std::int64_t row, std::int64_t resolution,
                       std::int64_t start_s) {
  // A bucket written before a restart goes on from its counts, so the row stays whole.
  acc = Accumulator{};
  acc.bucket.start_s = start_s;
  auto& read = statement(
      "SELECT runs, fails, dur_sum, dur_max, lat FROM agg WHERE key = ? AND res = ? AND start = ?");
  read.bind(0, row).bind(1, resolution).bind(2, start_s);
  if (read.step() == SQLITE_ROW) {
    acc.bucket.runs = static_cast<std::uint32_t>(read.int64(0));
    acc.bucket.failures = static_cast<std::uint32_t>(read.int64(1));
    acc.bucket.duration_sum_s = read.real(2);
    acc.bucket.duration_max_s = read.real(3);
    auto blob = read.blob(4);
    if (blob.size() == sizeof(LatencyCounts))
      std::memcpy(acc.latency.data(), blob.data(), blob.size());
  }
  read.reset();
}

std::optional<DbError> StoreWorker::write_accumulator(std::int64_t row, std::int64_t resolution,
                                                      const Accumulator& acc) {
  auto& write = statement(
      "INSERT OR REPLACE INTO agg(key, res, start, runs, fails, dur_sum, dur_max, lat) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  write.bind(0, row).bind(1, resolution).bind(2, acc.bucket.start_s);
  write.bind(3, std::int64_t{acc.bucket.runs}).bind(4, std::int64_t{acc.bucket.failures});
  write.bind(5, acc.bucket.duration_sum_s).bind(6, acc.bucket.duration_max_s);
  // Hour rows keep no latency counts: p50 / p95 are over 24 h, which the 10-minute rows cover.
  if (resolution == kFineSeconds)
    write.bind_blob(7, acc.latency.data(), sizeof(LatencyCounts));
  else
    write.bind_null(7);
  if (write.run() != SQLITE_DONE) return fail("recording an aggregate");
  return std::nullopt;
}

std::optional<DbError> StoreWorker::write_streak(KeyState& key) {
  if (!key.streak_dirty || key.streak_event == 0) return std::nullopt;
  auto& update =
      statement("UPDATE events SET last_ms = ?, count = ?, last_summary = ? WHERE id = ?");
  update.bind(0, key.streak_last_ms).bind(1, std::int64_t{key.streak_count});
  update.bind(2, key.streak_last_summary).bind(3, key.streak_event);
  if (update.run() != SQLITE_DONE) return fail("recording a failure streak");
  key.streak_dirty = false;
  return std::nullopt;
}

std::optional<DbError> StoreWorker::maintain(std::int64_t now_ms, bool closing) {
  if (!db_) return DbError{SQLITE_CANTOPEN, "the store is not open"};
  if (auto e = db_->exec("BEGIN IMMEDIATE")) return e;
  auto rollback = [this](std::optional<DbError> e) {
    db_->exec("ROLLBACK");
    return e;
  };
  for (auto& [id, key] : keys_) {
    for (auto [acc, resolution] : {std::pair{&key.fine, kFineSeconds}, {&key.hour, kHourSeconds}}) {
      if (!acc->dirty) continue;
      // An hour row is rewritten every ten minutes, not every minute: a key's row sits in its
      // own page, so each rewrite is a page of disk writes. Its bucket closing or the store
      // closing writes it at once; pages merge the unwritten counts from memory meanwhile.
      if (resolution == kHourSeconds && !closing && acc->written_ms != 0 &&
          now_ms - acc->written_ms < kHourRowEveryMs)
        continue;
      if (auto e = write_accumulator(key.row, resolution, *acc)) return rollback(e);
      acc->dirty = false;
      acc->written_ms = now_ms;
    }
    if (auto e = write_streak(key)) return rollback(e);
    if (key.last_ms != key.written_last_ms) {
      auto& touch = statement("UPDATE keys SET last_ms = ? WHERE id = ?");
      if (touch.bind(0, key.last_ms).bind(1, key.row).run() != SQLITE_DONE)
        return rollback(fail("recording a key's last run"));
      key.written_last_ms = key.last_ms;
    }
  }
  // Raw runs past their hour: the slices before the cut, a range at the b-tree's start.
  auto& raw = statement("DELETE FROM runs WHERE b < ?");
  if (raw.bind(0, (now_ms - kRawKeepMs) / kRunSliceMs).run() != SQLITE_DONE)
    return rollback(fail("dropping old runs"));

  // The slower tiers every ten minutes, key by key through the primary keys.
  if (now_ms - last_cleanup_ms_ >= 600 * 1000) {
    const std::int64_t retention_cut = now_ms - retention_ms_;
    std::vector<std::int64_t> rows, expired;
    auto& all = statement("SELECT id, last_ms FROM keys");
    while (all.step() == SQLITE_ROW) {
      rows.push_back(all.int64(0));
      if (all.int64(1) < retention_cut && !id_by_row_.contains(all.int64(0)))
        expired.push_back(all.int64(0));
    }
    all.reset();
    auto& fine = statement("DELETE FROM agg WHERE key = ? AND res = ? AND start < ?");
    auto& events = statement("DELETE FROM events WHERE key = ? AND last_ms < ?");
    for (auto row : rows) {
      if (fine.bind(0, row).bind(1, kFineSeconds).bind(2, (now_ms - kFineKeepMs) / 1000).run() !=
              SQLITE_DONE ||
          fine.bind(0, row).bind(1, kHourSeconds).bind(2, retention_cut / 1000).run() !=
              SQLITE_DONE ||
          events.bind(0, row).bind(1, retention_cut).run() != SQLITE_DONE)
        return rollback(fail("dropping data past its retention"));
    }
    // Removed keys keep their history until the retention; then the key goes too.
    for (auto row : expired) {
      auto& state = statement("DELETE FROM state WHERE key = ?");
      auto& key = statement("DELETE FROM keys WHERE id = ?");
      if (state.bind(0, row).run() != SQLITE_DONE || key.bind(0, row).run() != SQLITE_DONE)
        return rollback(fail("dropping a key past its retention"));
    }
    last_cleanup_ms_ = now_ms;
  }
  if (auto e = db_->exec("COMMIT")) return rollback(e);
  return std::nullopt;
}

}  // namespace reachprobe::history
