#pragma once

#include <memory>

#include "allocation/adapters/sql/connection.hpp"
#include "allocation/adapters/sql/database.hpp"
#include "allocation/service_layer/ports/stock_ledger.hpp"

namespace allocation::adapters::sql {

// The ledger as table movements of the service's database, read on a pooled connection
// without loading any product.
class SqlStockLedger final : public service_layer::StockLedger {
 public:
  explicit SqlStockLedger(std::shared_ptr<Database> database) : database_(std::move(database)) {}

  std::optional<service_layer::MovementPage> movements(std::string_view sku, long long after,
                                                       int limit) override;
  service_layer::LedgerCheck verify() override;

 private:
  // SQLite's index of the ledger by SKU (sqlite/movement_index.hpp): a difference has no batch.
  static void verify_movement_index(Connection& connection, service_layer::LedgerCheck& check);

  std::shared_ptr<Database> database_;
};

}  // namespace allocation::adapters::sql
