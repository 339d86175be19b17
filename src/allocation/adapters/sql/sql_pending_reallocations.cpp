#include "allocation/adapters/sql/sql_pending_reallocations.hpp"

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/pending_reallocations.hpp"

namespace allocation::adapters::sql {

std::vector<domain::events::Deallocated> SqlPendingReallocations::list() {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::vector<domain::events::Deallocated> pending;
  database_->run_first(lease, [&] { pending = pending_reallocations::list(connection); });
  return pending;
}

}  // namespace allocation::adapters::sql
