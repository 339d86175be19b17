#include "allocation/adapters/sql/sqlite/sqlite_statement.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

namespace allocation::adapters::sql::sqlite {

using namespace sqlite_api;

sqlite3* native_connection(soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
}

SqliteStatement::SqliteStatement(soci::session& session, const std::string& sql)
    : connection_(native_connection(session)) {
  const int result = sqlite3_prepare_v3(connection_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                        SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
  if (result != SQLITE_OK) {
    sqlite3_finalize(statement_);
    throw soci::sqlite3_soci_error(
        std::string("cannot prepare \"") + sql + "\": " + sqlite3_errmsg(connection_), result);
  }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

int SqliteStatement::parameters() const { return sqlite3_bind_parameter_count(statement_); }

void SqliteStatement::bind_null(int index) { check(sqlite3_bind_null(statement_, index)); }

void SqliteStatement::bind(int index, int value) {
  check(sqlite3_bind_int(statement_, index, value));
}

void SqliteStatement::bind(int index, long long value) {
  check(sqlite3_bind_int64(statement_, index, value));
}

void SqliteStatement::bind(int index, double value) {
  check(sqlite3_bind_double(statement_, index, value));
}

void SqliteStatement::bind(int index, std::string_view value) {
  check(sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_STATIC));
}

void SqliteStatement::check(int result) {
  if (result != SQLITE_OK) fail(result);
}

bool SqliteStatement::step() {
  const int result = sqlite3_step(statement_);
  if (result == SQLITE_ROW) return true;
  if (result != SQLITE_DONE) fail(result);
  // Reset at once: SQLite binds values only to a statement that is reset, and it promises the
  // end of a statement's read transaction only at its reset.
  sqlite3_reset(statement_);
  return false;
}

void SqliteStatement::fail(int result) {
  std::string message = sqlite3_errmsg(connection_);
  sqlite3_reset(statement_);
  throw soci::sqlite3_soci_error(message, result);
}

bool SqliteStatement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

void SqliteStatement::read(int column, int& value) const {
  value = sqlite3_column_int(statement_, column);
}

void SqliteStatement::read(int column, long long& value) const {
  value = sqlite3_column_int64(statement_, column);
}

void SqliteStatement::read(int column, double& value) const {
  value = sqlite3_column_double(statement_, column);
}

void SqliteStatement::read(int column, std::string& value) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  value.assign(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

long long SqliteStatement::changes() const { return sqlite3_changes64(connection_); }

}  // namespace allocation::adapters::sql::sqlite
