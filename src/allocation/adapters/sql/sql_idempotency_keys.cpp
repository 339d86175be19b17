#include "allocation/adapters/sql/sql_idempotency_keys.hpp"

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/stored_instant.hpp"

namespace allocation::adapters::sql {

int SqlIdempotencyKeys::forget_before(domain::Instant cutoff, int limit) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  long long forgotten = 0;
  // Deleting again what is already gone deletes nothing: safe to run twice.
  database_->run_first(lease, [&] {
    forgotten = connection.execute(
        "DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys"
        " WHERE recorded_at < :cutoff ORDER BY recorded_at LIMIT :limit)",
        stored_instant(cutoff), limit);
  });
  return static_cast<int>(forgotten);
}

}  // namespace allocation::adapters::sql
