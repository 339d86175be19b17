#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/domain/events.hpp"
#include "allocation/domain/product.hpp"
#include "allocation/service_layer/ports/clock.hpp"
#include "allocation/service_layer/ports/product_repository.hpp"
#include "allocation/service_layer/ports/stock_ledger.hpp"

namespace allocation::adapters {

// The "database" of the in-memory adapters: every product, shared by all units of work made
// from it. One mutex guards it; it is held only to copy products in or out, never while a
// handler runs, so units of work race exactly as they would on a database.
class InMemoryStore {
 public:
  // `clock` stamps the ledger's movements; without one they are stamped 1970-01-01T00:00:00Z.
  explicit InMemoryStore(std::shared_ptr<const service_layer::Clock> clock = nullptr)
      : clock_(std::move(clock)) {}

  std::optional<domain::Product> find(std::string_view sku) const;
  std::optional<domain::Product> find_by_batchref(std::string_view reference) const;

  // Writes the changed products all at once, if each is still at the version it was loaded at
  // (absent, for a new one) and no batch reference went to another SKU meanwhile, with the
  // pending reallocations they add and those `settled`, and the ledger's movements of their
  // events (service_layer/stock_movements.hpp), numbered in commit order. Otherwise throws
  // service_layer::ConcurrencyError and writes nothing.
  void commit(const std::vector<const service_layer::TrackedProduct*>& changed,
              const std::vector<domain::events::Deallocated>& settled);

  std::vector<domain::events::Deallocated> pending_reallocations() const;

  // Every movement of the ledger, in commit order.
  std::vector<service_layer::StoredMovement> movements() const;
  // Every product, as committed.
  std::vector<domain::Product> products() const;

  // How many times a product was written: lets tests see that a commit happened.
  int commits() const;

 private:
  std::shared_ptr<const service_layer::Clock> clock_;
  mutable std::mutex mutex_;
  std::map<std::string, domain::Product, std::less<>> products_;
  std::map<std::string, std::string, std::less<>> sku_by_batchref_;
  std::vector<domain::events::Deallocated> pending_reallocations_;
  std::vector<service_layer::StoredMovement> movements_;
  int commits_ = 0;
};

}  // namespace allocation::adapters
