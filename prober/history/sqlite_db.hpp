#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reachprobe::history {

// The one error type of the store: SQLite's code and message, with what was being done.
struct DbError {
  int code = SQLITE_OK;
  std::string message;
};

// A prepared statement; reset after every step loop so it can be bound again. Columns and
// parameters are 0-based here (SQLite's bind is 1-based: the wrapper hides it).
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  bool ok() const { return stmt_ != nullptr; }
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_null(int index);
  Statement& bind_blob(int index, const void* data, std::size_t size);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Steps to the end and resets; SQLITE_DONE or the error.
  int run();
  void reset();
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;
  std::string_view blob(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// A connection used by one thread only (the store's worker).
class Db {
 public:
  // Opens (creating when `create`) the file; ":memory:" is a private in-memory database.
  static std::optional<Db> open(const std::string& path, bool create, DbError& error);
  Db(Db&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs statements without results; the error or nullopt.
  std::optional<DbError> exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  DbError last_error(std::string_view doing) const;
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* handle() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace reachprobe::history
