#pragma once

#include <soci/session.h>

#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "allocation/adapters/sql/statement_cache.hpp"

namespace allocation::adapters::sql {

// A connection as the units of work and queries use it: statements with values bound in
// order, each prepared once.
class Connection {
 public:
  Connection(soci::session& session, StatementCache& statements)
      : session_(session), statements_(statements) {}

  // The rows of `sql` run with `in` for its placeholders in order (an empty std::optional is
  // NULL), columns read as Out...:
  // query<std::string, int>("SELECT name, qty FROM t WHERE id = :id", id).
  template <class... Out, class... In>
  std::vector<Row<Out...>> query(const std::string& sql, const In&... in) {
    return statements_.run<std::tuple<In...>, std::tuple<Out...>>(
        session_, sql, [&](auto& statement) { return statement.run(in...); });
  }

  // Runs a statement that returns no rows; returns how many rows it changed.
  template <class... In>
  long long execute(const std::string& sql, const In&... in) {
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
