#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/service_layer/ports/idempotency_keys.hpp"

namespace allocation::adapters {

// The answers an in-memory store keeps under idempotency keys.
class InMemoryIdempotencyKeys final : public service_layer::IdempotencyKeys {
 public:
  explicit InMemoryIdempotencyKeys(std::shared_ptr<InMemoryStore> store)
      : store_(std::move(store)) {}

  int forget_before(domain::Instant cutoff, int limit) override {
    return store_->forget_answers_before(cutoff, limit);
  }

 private:
  std::shared_ptr<InMemoryStore> store_;
};

}  // namespace allocation::adapters
