#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/service_layer/ports/order_lines.hpp"

namespace allocation::adapters {

// An order's lines as the in-memory store holds them (InMemoryStore::order_lines).
class InMemoryOrderLines final : public service_layer::OrderLines {
 public:
  explicit InMemoryOrderLines(std::shared_ptr<const InMemoryStore> store)
      : store_(std::move(store)) {}

  std::vector<service_layer::OrderLineView> of_order(std::string_view orderid) override {
    return store_->order_lines(orderid);
  }

 private:
  std::shared_ptr<const InMemoryStore> store_;
};

}  // namespace allocation::adapters
