#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/service_layer/ports/warehouses.hpp"

namespace allocation::adapters {

// The warehouses as the in-memory store holds them.
class InMemoryWarehouses final : public service_layer::Warehouses {
 public:
  explicit InMemoryWarehouses(std::shared_ptr<const InMemoryStore> store)
      : store_(std::move(store)) {}

  std::vector<service_layer::WarehouseView> list() override { return store_->warehouses(); }

 private:
  std::shared_ptr<const InMemoryStore> store_;
};

}  // namespace allocation::adapters
