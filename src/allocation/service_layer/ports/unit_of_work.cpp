#include "allocation/service_layer/ports/unit_of_work.hpp"

#include <stdexcept>

namespace allocation::service_layer {

void UnitOfWork::commit() {
  if (committed_) throw std::logic_error("a unit of work commits once");
  write_changes();
  committed_ = true;
}

std::vector<domain::Event> UnitOfWork::collect_new_events() {
  std::vector<domain::Event> events;
  if (!committed_) return events;
  for (auto& [sku, tracked] : products().seen()) {
    for (auto& event : tracked.product.take_events()) events.push_back(std::move(event));
  }
  return events;
}

}  // namespace allocation::service_layer
