#include "allocation/adapters/sql/sql_read_model.hpp"

#include "allocation/adapters/sql/connection.hpp"

namespace allocation::adapters::sql {

std::vector<service_layer::AllocationRow> SqlReadModel::allocations(std::string_view orderid) {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  const std::string o(orderid);
  std::vector<service_layer::AllocationRow> rows;
  database_->run_first(lease, [&] {
    rows.clear();
    for (const auto& [sku, batchref] : connection.query<std::string, std::string>(
             "SELECT sku, batchref FROM allocations_view WHERE orderid = :o ORDER BY id", o)) {
      rows.push_back({*sku, *batchref});
    }
  });
  return rows;
}

}  // namespace allocation::adapters::sql
