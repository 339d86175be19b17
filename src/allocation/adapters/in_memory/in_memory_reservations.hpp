#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/service_layer/ports/reservations.hpp"

namespace allocation::adapters {

// The holds of an in-memory store, as committed.
class InMemoryReservations final : public service_layer::Reservations {
 public:
  explicit InMemoryReservations(std::shared_ptr<const InMemoryStore> store)
      : store_(std::move(store)) {}

  std::optional<service_layer::ReservationView> find(std::string_view id) override {
    return store_->reservation(id);
  }
  std::vector<std::string> skus_with_expired(domain::Instant now, int limit) override {
    return store_->skus_with_expired(now, limit);
  }

 private:
  std::shared_ptr<const InMemoryStore> store_;
};

}  // namespace allocation::adapters
