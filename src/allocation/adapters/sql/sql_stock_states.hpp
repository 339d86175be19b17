#pragma once

#include <memory>

#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/stock_states.hpp"

namespace allocation::adapters::sql {

// Stock states from the products, batches and allocations tables: each answer is one
// statement on a pooled connection, so one snapshot. SKUs are paged in the order of the
// database's collation, which its primary key serves: bytes on SQLite and on a PostgreSQL
// cluster in the C or C.UTF-8 locale (the tests'), the locale's order in another.
class SqlStockStates final : public service_layer::StockStates {
 public:
  explicit SqlStockStates(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  std::optional<service_layer::ProductStock> product(std::string_view sku,
                                                     domain::Date today) override;
  service_layer::ProductPage products(std::string_view after, int limit,
                                      domain::Date today) override;
  std::optional<service_layer::BatchStock> batch(std::string_view reference) override;

 private:
  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
