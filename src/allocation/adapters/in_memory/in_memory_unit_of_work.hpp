#pragma once

#include <memory>

#include "allocation/adapters/in_memory/in_memory_store.hpp"
#include "allocation/adapters/in_memory/product_locks.hpp"
#include "allocation/service_layer/ports/unit_of_work.hpp"

namespace allocation::adapters {

// Loads copies of whole products from the store (nothing is partial in memory).
class InMemoryProductRepository final : public service_layer::ProductRepository {
 public:
  explicit InMemoryProductRepository(const InMemoryStore& store) : store_(store) {}

 private:
  std::optional<domain::Product> load(std::string_view sku, std::string_view orderid) override;
  std::optional<domain::Product> load_by_batchref(std::string_view reference) override;

  const InMemoryStore& store_;
};

// Works on copies and writes them back at commit, checking versions like a database would.
// Rolling back is dropping the copies. The work of a known product takes that product's turn
// in `turns`, shared by the units of work of one factory.
class InMemoryUnitOfWork final : public service_layer::UnitOfWork {
 public:
  InMemoryUnitOfWork(std::shared_ptr<InMemoryStore> store, std::shared_ptr<ProductLocks> turns)
      : store_(std::move(store)), turns_(std::move(turns)), products_(*store_) {}

  service_layer::ProductRepository& products() override { return products_; }
  void perform(std::optional<std::string_view> product, const std::function<void()>& work) override;
  std::vector<domain::events::Deallocated> pending_reallocations() override;

 private:
  void write_changes() override;

  std::shared_ptr<InMemoryStore> store_;
  std::shared_ptr<ProductLocks> turns_;
  InMemoryProductRepository products_;
};

// A factory of units of work over one store, for the bootstrap. Its units of work take turns
// per product, as those of one process on a database do.
service_layer::UnitOfWorkFactory in_memory_unit_of_work(std::shared_ptr<InMemoryStore> store);

}  // namespace allocation::adapters
