#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/adapters/in_memory/product_locks.hpp"
#include "allocation/service_layer/ports/unit_of_work.hpp"

namespace allocation::adapters {

// Loads copies of products from the store: every line, and the backorder queue on demand.
class InMemoryProductRepository final : public service_layer::ProductRepository {
 public:
  explicit InMemoryProductRepository(const InMemoryStore& store) : store_(store) {}

 private:
  std::optional<domain::Product> load(std::string_view sku, std::string_view orderid,
                                      std::string_view hold_id) override;
  std::optional<domain::Product> load_by_batchref(std::string_view reference) override;
  std::optional<domain::Product> load_by_hold(std::string_view id) override;

  const InMemoryStore& store_;
};

// Works on copies and writes them back at commit, checking versions like a database would.
// Rolling back is dropping the copies.
class InMemoryUnitOfWork final : public service_layer::UnitOfWork {
 public:
  explicit InMemoryUnitOfWork(InMemoryStore& store) : store_(store), products_(store) {}

  service_layer::ProductRepository& products() override { return products_; }
  std::vector<domain::events::Deallocated> pending_reallocations() override;
  std::vector<service_layer::OrderLineView> order_lines(std::string_view orderid) override;
  std::optional<service_layer::ReservationView> reservation(std::string_view id) override;
  bool message_applied(std::string_view message_id) override {
    return store_.message_applied(message_id);
  }
  std::optional<service_layer::StoredAnswer> answer_to(
      const service_layer::KeyedRequest& request) override {
    return store_.answer_to(request);
  }

 private:
  void write_changes() override;

  InMemoryStore& store_;
  InMemoryProductRepository products_;
};

// The units of work of one store, for the bootstrap. The work of a known product takes that
// product's turn, as the units of work of one process on a database do.
class InMemoryUnitsOfWork final : public service_layer::UnitsOfWork {
 public:
  explicit InMemoryUnitsOfWork(std::shared_ptr<InMemoryStore> store) : store_(std::move(store)) {}

  using service_layer::UnitsOfWork::perform;
  std::vector<domain::Event> perform(std::optional<std::string_view> product,
                                     const Work& work) override;

 private:
  std::shared_ptr<InMemoryStore> store_;
  ProductLocks turns_;
};

}  // namespace allocation::adapters
