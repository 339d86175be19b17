#include "allocation/adapters/sql/sqlite/movement_index.hpp"

#include <tuple>

namespace allocation::adapters::sql::movement_index {

long long catch_up(Connection& connection, long long at_least) {
  // Two lookups: the watermark's one row, and the rowid table's last key.
  const auto [upto, last] = connection
                                .query<long long, long long>(
                                    "SELECT upto, (SELECT COALESCE(MAX(seq), 0) FROM movements)"
                                    " FROM movement_index_state")
                                .at(0);
  const long long backlog = *last - *upto;
  if (backlog <= 0 || backlog < at_least) return 0;
  connection.execute(
      "INSERT INTO movement_index (sku, seq) SELECT sku, seq FROM movements"
      " WHERE seq > :upto AND seq <= :last ORDER BY sku, seq",
      *upto, *last);
  connection.execute("UPDATE movement_index_state SET upto = :last", *last);
  return backlog;
}

}  // namespace allocation::adapters::sql::movement_index
