#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/service_layer/ports/pending_reallocations.hpp"

namespace allocation::adapters {

// The pending reallocations as the in-memory store holds them
// (InMemoryStore::pending_reallocations).
class InMemoryPendingReallocations final : public service_layer::PendingReallocations {
 public:
  explicit InMemoryPendingReallocations(std::shared_ptr<const InMemoryStore> store)
      : store_(std::move(store)) {}

  std::vector<domain::events::Deallocated> list() override {
    return store_->pending_reallocations();
  }

 private:
  std::shared_ptr<const InMemoryStore> store_;
};

}  // namespace allocation::adapters
