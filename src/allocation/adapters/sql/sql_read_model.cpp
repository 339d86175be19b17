#include "allocation/adapters/sql/sql_read_model.hpp"

#include <soci/into.h>
#include <soci/session.h>
#include <soci/statement.h>
#include <soci/use.h>

#include "allocation/adapters/sql/one_shot.hpp"

namespace allocation::adapters::sql {

std::vector<service_layer::AllocationRow> SqlReadModel::allocations(std::string_view orderid) {
  auto lease = database_->acquire();
  std::string o(orderid), sku, batchref;
  std::vector<service_layer::AllocationRow> rows;
  database_->run_first(lease, [&] {
    rows.clear();
    soci::statement query =
        one_shot(lease.session(),
                 "SELECT sku, batchref FROM allocations_view WHERE orderid = :o ORDER BY id",
                 soci::use(o), soci::into(sku), soci::into(batchref));
    query.execute();
    while (query.fetch()) rows.push_back({sku, batchref});
  });
  return rows;
}

}  // namespace allocation::adapters::sql
