// db/sqlite.h: the one owner of SQLite handles. Connection (sqlite3*), Statement
// (sqlite3_stmt*) and Transaction (rolls back unless committed). Move-only; a Connection and
// its Statements belong to one thread at a time (SQLite's multi-thread mode).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace citywatch::db {

class Statement;

// An Error carrying sqlite3_errmsg and the path; the code follows the SQLite result
// (busy/locked -> kUnavailable, full/ioerr/readonly -> kIo, corrupt/notadb -> kBadInput).
core::Error sqlite_error(sqlite3* db, int rc, std::string_view what, const std::string& path);

class Connection {
 public:
  // Opens (creating when allowed) with WAL, foreign keys and a busy timeout.
  static core::Result<Connection> open(const std::string& path, bool create);

  core::Result<void> exec(std::string_view sql);
  core::Result<Statement> prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_.get(); }
  // True when SQLite opened the file read-only (file or file system not writable).
  bool is_readonly() const;

  // Statements running past the deadline stop with kUnavailable ("took too long"), so one
  // slow API query cannot hold a worker; clear_deadline() lifts it.
  void set_deadline(std::chrono::steady_clock::time_point deadline);
  void clear_deadline();

  core::Error error(int rc, std::string_view what) const;

 private:
  struct Close {
    void operator()(sqlite3* db) const;
  };
  // On the heap so the progress handler's pointer survives moves of the Connection.
  struct Deadline {
    std::chrono::steady_clock::time_point at;
    bool armed = false;
  };
  Connection(std::string path, std::unique_ptr<sqlite3, Close> db)
      : path_(std::move(path)), db_(std::move(db)), deadline_(std::make_unique<Deadline>()) {}
  std::string path_;
  std::unique_ptr<sqlite3, Close> db_;
  std::unique_ptr<Deadline> deadline_;
};

class Statement {
 public:
  // Binding: 1-based indexes as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT) unless
  // bind_*_static is used for values that outlive the step.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    if (value) return bind(index, *value);
    return bind_null(index);
  }
  // Empty text binds NULL: absent and empty mean the same in our tables.
  Statement& bind_text_or_null(int index, std::string_view text);

  // true: a row is ready; false: done. Errors carry sqlite3_errmsg.
  core::Result<bool> step();
  // step() until done, for statements that return no rows.
  core::Result<void> run();
  void reset();

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::span<const std::uint8_t> blob(int column) const;
  int column_type(int column) const;

 private:
  friend class Connection;
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const;
  };
  // Holds the raw handle, not the Connection, so moving the Connection keeps statements valid.
  Statement(sqlite3* db, std::string path, sqlite3_stmt* stmt)
      : db_(db), path_(std::move(path)), stmt_(stmt) {}
  sqlite3* db_;
  std::string path_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

// BEGIN IMMEDIATE on construction (so writers queue at the start, not at first write);
// ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  static core::Result<Transaction> begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  core::Result<void> commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

// Every row of a statement, each made into a T by read(statement).
template <typename T, typename Read>
core::Result<std::vector<T>> collect(Statement& s, Read read) {
  std::vector<T> out;
  while (true) {
    auto row = s.step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    out.push_back(read(s));
  }
  return out;
}

}  // namespace citywatch::db
