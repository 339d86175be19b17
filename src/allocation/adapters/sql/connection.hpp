#pragma once

#include <soci/session.h>

#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "allocation/adapters/sql/statement_cache.hpp"

namespace allocation::adapters::sql {

// A connection as the units of work and queries use it: statements with values bound in
// order, each prepared once.
//
// The one rule for running SQL in these adapters:
// - Through a Connection (its StatementCache): every statement run per request, with its values
//   bound: a unit of work's reads and writes, the read model's queries, the outbox relay's
//   SELECT, and the group commit's BEGIN IMMEDIATE, SAVEPOINT, RELEASE and COMMIT, run at every
//   turn. Each is parsed (and planned, on PostgreSQL) once per connection.
// - Through a plain `session <<`, never cached: what runs once per connection or process (the
//   PRAGMAs of Database::configure, the migrations, the relay's advisory lock, the outbox
//   backlog of a /metrics scrape), what has no fixed text (the relay's DELETE of the ids it
//   sent), PostgreSQL's BEGIN, COMMIT and ROLLBACK (PgTransaction, OutboxRelay: a BEGIN that
//   meets a dead connection runs again on a new one, Database::execute_first), and SQLite's
//   ROLLBACK of a group that failed or only read, which must not depend on the cache. Values
//   are never pasted into that text but the relay's ids and message ids, read from the
//   database (integers, and strings quoted as SQL literals).
class Connection {
 public:
  Connection(soci::session& session, StatementCache& statements)
      : session_(session), statements_(statements) {}

  // The rows of `sql` run with `in` for its placeholders in order (an empty std::optional is
  // NULL), columns read as Out... Each placeholder has a name of its own: SQLite binds a name
  // used twice as one parameter, PostgreSQL as two.
  // query<std::string, int>("SELECT name, qty FROM t WHERE id = :id", id).
  template <class... Out, class... In>
  std::vector<Row<Out...>> query(std::string_view sql, const In&... in) {
    return statements_.run<std::tuple<In...>, std::tuple<Out...>>(
        session_, sql, [&](auto& statement) { return statement.run(in...); });
  }

  // Runs a statement that returns no rows; returns how many rows it changed.
  template <class... In>
  long long execute(std::string_view sql, const In&... in) {
    return statements_.run<std::tuple<In...>, std::tuple<>>(session_, sql, [&](auto& statement) {
      statement.run(in...);
      return statement.affected_rows();
    });
  }

 private:
  soci::session& session_;
  StatementCache& statements_;
};

// How a unit of work runs SQL: `work` on a connection of its transaction, the database's errors
// translated. Given to what reads or writes for it (its repository, its pending
// reallocations), so that these know no database's transaction.
using OnConnection = std::function<void(const std::function<void(Connection&)>&)>;

}  // namespace allocation::adapters::sql
