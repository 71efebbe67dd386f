#include "history/sqlite_db.hpp"

#include <utility>

namespace reachprobe::history {

Statement::Statement(sqlite3* db, std::string_view sql) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (stmt_ == nullptr) return *this;  // a failed prepare: step() reports it
  sqlite3_bind_int64(stmt_, index + 1, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (stmt_ == nullptr) return *this;  // a failed prepare: step() reports it
  sqlite3_bind_double(stmt_, index + 1, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (stmt_ == nullptr) return *this;  // a failed prepare: step() reports it
  sqlite3_bind_text(stmt_, index + 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (stmt_ == nullptr) return *this;  // a failed prepare: step() reports it
  sqlite3_bind_null(stmt_, index + 1);
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size) {
  if (stmt_ == nullptr) return *this;  // a failed prepare: step() reports it
  sqlite3_bind_blob(stmt_, index + 1, data, static_cast<int>(size), SQLITE_TRANSIENT);
  return *this;
}

int Statement::step() {
  return stmt_ == nullptr ? SQLITE_MISUSE : sqlite3_step(stmt_);
}

int Statement::run() {
  int rc = step();
  while (rc == SQLITE_ROW) rc = step();
  reset();
  return rc;
}

void Statement::reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string_view Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  if (p == nullptr) return {};
  return std::string_view(static_cast<const char*>(p),
                          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<Db> Db::open(const std::string& path, bool create, DbError& error) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    error = {rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)};
    sqlite3_close_v2(db);
    return std::nullopt;
  }
  sqlite3_extended_result_codes(db, 1);
  return Db(db);
}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Db::~Db() {
  sqlite3_close_v2(db_);
}

std::optional<DbError> Db::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return std::nullopt;
  DbError error{rc, message != nullptr ? message : sqlite3_errstr(rc)};
  sqlite3_free(message);
  return error;
}

DbError Db::last_error(std::string_view doing) const {
  return {sqlite3_extended_errcode(db_), std::string(doing) + ": " + sqlite3_errmsg(db_)};
}

}  // namespace reachprobe::history
