#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/service_layer/ports/stock_ledger.hpp"

namespace allocation::adapters {

// The ledger the in-memory store keeps at its commits, read as the SQL one is.
class InMemoryStockLedger final : public service_layer::StockLedger {
 public:
  explicit InMemoryStockLedger(std::shared_ptr<const InMemoryStore> store)
      : store_(std::move(store)) {}

  std::optional<service_layer::MovementPage> movements(std::string_view sku, long long after,
                                                       int limit) override;
  service_layer::LedgerCheck verify() override;

 private:
  std::shared_ptr<const InMemoryStore> store_;
};

}  // namespace allocation::adapters
