#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/service_layer/ports/stock_states.hpp"

namespace allocation::adapters {

// Stock states as the in-memory store holds its products and queues.
class InMemoryStockStates final : public service_layer::StockStates {
 public:
  explicit InMemoryStockStates(std::shared_ptr<const InMemoryStore> store)
      : store_(std::move(store)) {}

  std::optional<service_layer::ProductStock> product(std::string_view sku,
                                                     domain::Date today) override;
  service_layer::ProductPage products(std::string_view after, int limit,
                                      domain::Date today) override;
  std::optional<service_layer::BatchStock> batch(std::string_view reference) override;

 private:
  std::shared_ptr<const InMemoryStore> store_;
};

}  // namespace allocation::adapters
