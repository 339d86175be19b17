#include "allocation/adapters/sql/sql_warehouses.hpp"

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/domain/warehouse_priorities.hpp"

namespace allocation::adapters::sql {

std::vector<service_layer::WarehouseView> SqlWarehouses::list() {
  auto lease = database_->acquire();
  Connection connection = lease.connection();
  std::vector<service_layer::WarehouseView> all;
  database_->run_first(lease, [&] {
    all.clear();
    for (const auto& [id, priority] : connection.query<std::string, int>(
             "SELECT k.id, w.priority FROM"
             " (SELECT id FROM warehouses UNION SELECT DISTINCT warehouse FROM batches) k"
             " LEFT JOIN warehouses w ON w.id = k.id ORDER BY k.id")) {
      all.push_back(
          {*id, priority.value_or(domain::kDefaultWarehousePriority), priority.has_value()});
    }
  });
  return all;
}

}  // namespace allocation::adapters::sql
