#include "allocation/service_layer/ports/unit_of_work.hpp"

#include <stdexcept>

namespace allocation::service_layer {

void UnitOfWork::commit() {
  if (committed_ || commit_asked_) throw std::logic_error("a unit of work commits once");
  if (defer_commit_) {
    commit_asked_ = true;
    return;
  }
  write_changes();
  committed_ = true;
}

void UnitOfWork::finish_commit() {
  if (!defer_commit_ || !commit_asked_) throw std::logic_error("no commit was deferred");
  defer_commit_ = false;
  commit_asked_ = false;
  commit();
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
