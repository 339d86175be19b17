#pragma once

#include <soci/session.h>

#include <string>
#include <string_view>

// SQLite's API as SOCI's header declares it, in a namespace of its own.
namespace sqlite_api {
struct sqlite3;
struct sqlite3_stmt;
}  // namespace sqlite_api

namespace allocation::adapters::sql::sqlite {

// One statement of a SOCI session on SQLite, run through SQLite's own API. SOCI moves every
// value and every column through buffers and conversions of its own, about 400 instructions
// each; a product's load reads 17 columns of each batch, and on SQLite all of it runs on the
// one writer thread, which is the bottleneck of many connections (docs/performance.md). Values
// are bound and columns read by position, the first being 1 and 0, as SQLite numbers them.
// Errors are thrown as SOCI's (soci::sqlite3_soci_error), which Database::translate_errors
// knows.
// The connection of a SOCI session on SQLite, for SQLite's own API.
sqlite_api::sqlite3* native_connection(soci::session& session);

class SqliteStatement {
 public:
  // Prepares `sql` on the connection of `session` (SQLite's), for many runs.
  SqliteStatement(soci::session& session, const std::string& sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // How many values a run takes.
  int parameters() const;

  // The values of the next run. A string is not copied: it must live until that run's end.
  void bind_null(int index);
  void bind(int index, int value);
  void bind(int index, long long value);
  void bind(int index, double value);
  void bind(int index, std::string_view value);

  // Runs the statement to its next row: true with a row to read, false once it is done (and
  // ready to run again). Throws on an error, ready to run again too.
  bool step();

  bool is_null(int column) const;
  void read(int column, int& value) const;
  void read(int column, long long& value) const;
  void read(int column, double& value) const;
  void read(int column, std::string& value) const;

  // How many rows the last INSERT, UPDATE or DELETE of the connection changed.
  long long changes() const;

 private:
  void check(int result);
  [[noreturn]] void fail(int result);

  sqlite_api::sqlite3* connection_;
  sqlite_api::sqlite3_stmt* statement_ = nullptr;
};

}  // namespace allocation::adapters::sql::sqlite
