#include "allocation/adapters/in_memory/in_memory_unit_of_work.hpp"

namespace allocation::adapters {

std::optional<domain::Product> InMemoryProductRepository::load(std::string_view sku,
                                                               std::string_view orderid,
                                                               std::string_view) {
  return store_.find(sku, orderid);  // with every live hold
}

std::optional<domain::Product> InMemoryProductRepository::load_by_hold(std::string_view id) {
  return store_.find_by_hold(id);
}

std::optional<domain::Product> InMemoryProductRepository::load_by_batchref(
    std::string_view reference) {
  return store_.find_by_batchref(reference);
}

void InMemoryUnitOfWork::write_changes() {
  std::vector<const service_layer::TrackedProduct*> changed;
  for (const auto& [sku, tracked] : products_.seen()) {
    if (tracked.changed()) changed.push_back(&tracked);
  }
  if (!changed.empty() || !settled_reallocations().empty() || !warehouse_priorities_set().empty() ||
      !applied_messages().empty() || !recorded_answers().empty()) {
    store_.commit(changed, settled_reallocations(), warehouse_priorities_set(), applied_messages(),
                  recorded_answers());
  }
}

std::vector<domain::events::Deallocated> InMemoryUnitOfWork::pending_reallocations() {
  return store_.pending_reallocations();
}

std::vector<service_layer::OrderLineView> InMemoryUnitOfWork::order_lines(
    std::string_view orderid) {
  return store_.order_lines(orderid);
}

std::optional<service_layer::ReservationView> InMemoryUnitOfWork::reservation(std::string_view id) {
  return store_.reservation(id);
}

std::vector<domain::Event> InMemoryUnitsOfWork::perform(std::optional<std::string_view> product,
                                                        const Work& work) {
  // Held from the product's load to its commit: a writer of the product that came meanwhile
  // would have lost the race at its commit and done all its work again.
  std::unique_lock<std::mutex> turn;
  if (product) turn = turns_.lock(*product);
  InMemoryUnitOfWork uow(*store_);
  work(uow);
  return uow.collect_new_events();
}

}  // namespace allocation::adapters
