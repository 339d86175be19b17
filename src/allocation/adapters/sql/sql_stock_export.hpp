#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/stock_export.hpp"

namespace allocation::adapters::sql {

// The tables batches, allocations and movements, each read in the order of its primary key
// (the order rows were stored), a page per query on a pooled connection.
class SqlStockExport final : public service_layer::StockExport {
 public:
  explicit SqlStockExport(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  std::vector<service_layer::ExportedBatch> batches(long long after, int limit) override;
  std::vector<service_layer::ExportedAllocation> allocations(long long after, int limit) override;
  std::vector<service_layer::StoredMovement> movements(long long after, int limit) override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
