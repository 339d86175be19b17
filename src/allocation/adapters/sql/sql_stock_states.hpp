#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/stock_states.hpp"

namespace allocation::adapters::sql {

// Stock states from the products, batches and waiting_lines tables: each answer is one
// statement on a pooled connection, so one snapshot. SKUs are paged in byte order on both
// databases (PostgreSQL compares them COLLATE "C", which an index of migration 8 serves).
class SqlStockStates final : public service_layer::StockStates {
 public:
  explicit SqlStockStates(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  std::optional<service_layer::ProductStock> product(std::string_view sku) override;
  service_layer::ProductPage products(std::string_view after, int limit) override;
  std::optional<service_layer::BatchStock> batch(std::string_view reference) override;

 private:
  // How SKUs compare bytewise in the statements' text.
  std::string bytewise() const;
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
