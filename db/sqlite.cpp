#include "db/sqlite.h"

#include <sqlite3.h>

namespace citywatch::db {

void Connection::Close::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
void Statement::Finalize::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

core::Error sqlite_error(sqlite3* db, int rc, std::string_view what, const std::string& path) {
  core::ErrorCode code = core::ErrorCode::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_INTERRUPT:
      code = core::ErrorCode::kUnavailable;
      break;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      code = core::ErrorCode::kIo;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = core::ErrorCode::kBadInput;
      break;
    default:
      break;
  }
  std::string message(what);
  message += ": ";
  if ((rc & 0xff) == SQLITE_INTERRUPT) {
    message += "the query took too long and was stopped (narrow the filters or page through)";
  } else {
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  }
  return core::Error{code, std::move(message), path};
}

core::Error Connection::error(int rc, std::string_view what) const {
  return sqlite_error(db_.get(), rc, what, path_);
}

core::Result<Connection> Connection::open(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<sqlite3, Close> db(raw);  // sqlite3_open_v2 allocates even on failure
  if (rc != SQLITE_OK) {
    core::ErrorCode code = (rc & 0xff) == SQLITE_CANTOPEN && !create ? core::ErrorCode::kNotFound
                                                                     : core::ErrorCode::kIo;
    std::string message =
        std::string("cannot open database: ") + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    return core::fail(code, std::move(message), path);
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  Connection conn(path, std::move(db));
  // WAL lets the API read while an import writes; NORMAL sync is durable at each checkpoint
  // and, in WAL mode, never corrupts on power loss (it may lose the last commits).
  CITYWATCH_TRY(
      conn.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"));
  return conn;
}

core::Result<void> Connection::exec(std::string_view sql) {
  std::string copy(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_.get(), copy.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    auto err = error(rc, "SQL failed");
    err.message = "SQL failed: " + text;
    return core::fail(std::move(err));
  }
  return core::ok();
}

core::Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return core::fail(error(rc, "cannot prepare statement"));
  }
  return Statement(db_.get(), path_, stmt);
}

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }
int Connection::changes() const { return sqlite3_changes(db_.get()); }

bool Connection::is_readonly() const { return sqlite3_db_readonly(db_.get(), "main") == 1; }

void Connection::set_deadline(std::chrono::steady_clock::time_point deadline) {
  deadline_->at = deadline;
  deadline_->armed = true;
  // Checked every 1000 virtual machine steps: microseconds apart, cheap next to the work.
  sqlite3_progress_handler(
      db_.get(), 1000,
      [](void* user) -> int {
        auto* d = static_cast<Deadline*>(user);
        return d->armed && std::chrono::steady_clock::now() > d->at ? 1 : 0;
      },
      deadline_.get());
}

void Connection::clear_deadline() {
  deadline_->armed = false;
  sqlite3_progress_handler(db_.get(), 0, nullptr, nullptr);
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_.get(), index, value);
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::bind_text_or_null(int index, std::string_view text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}
Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

core::Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return core::fail(sqlite_error(db_, rc, "statement failed", path_));
}

core::Result<void> Statement::run() {
  while (true) {
    auto row = step();
    if (!row) {
      reset();
      return core::fail(row.error());
    }
    if (!*row) break;
  }
  reset();
  return core::ok();
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}
std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}
double Statement::real(int column) const { return sqlite3_column_double(stmt_.get(), column); }
std::string Statement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string();
}
std::span<const std::uint8_t> Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return {static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)};
}
int Statement::column_type(int column) const { return sqlite3_column_type(stmt_.get(), column); }

core::Result<Transaction> Transaction::begin(Connection& conn) {
  CITYWATCH_TRY(conn.exec("BEGIN IMMEDIATE"));
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_) {
    (void)conn_->exec("ROLLBACK");
  }
}

core::Result<void> Transaction::commit() {
  Connection* conn = conn_;
  conn_ = nullptr;
  auto result = conn->exec("COMMIT");
  if (!result) {
    (void)conn->exec("ROLLBACK");
  }
  return result;
}

}  // namespace citywatch::db
