#pragma once

#include <soci/session.h>
#include <soci/statement.h>

#include <string>

namespace allocation::adapters::sql {

// A query run once whose rows are then fetched one by one (execute(), then fetch() until it
// returns false). On PostgreSQL that is one round trip (PQexecParams), where SOCI's
// session.prepare spends a PREPARE and a DEALLOCATE besides.
template <class... Exchanges>
soci::statement one_shot(soci::session& session, const std::string& sql,
                         const Exchanges&... exchanges) {
  soci::statement statement(session);
  (statement.exchange(exchanges), ...);
  statement.alloc();
  statement.prepare(sql, soci::details::st_one_time_query);
  statement.define_and_bind();
  return statement;
}

}  // namespace allocation::adapters::sql
