#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/warehouses.hpp"

namespace allocation::adapters::sql {

// The warehouses from table warehouses and the batches that name one, in one statement on a
// pooled connection.
class SqlWarehouses final : public service_layer::Warehouses {
 public:
  explicit SqlWarehouses(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  // Reads every batch's warehouse: an operator's page, not a path of allocation.
  std::vector<service_layer::WarehouseView> list() override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
