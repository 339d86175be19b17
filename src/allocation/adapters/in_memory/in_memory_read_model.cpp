#include "allocation/adapters/in_memory/in_memory_read_model.hpp"

#include <algorithm>

namespace allocation::adapters {

void InMemoryReadModel::add(std::string_view orderid, std::string_view sku,
                            std::string_view batchref) {
  std::lock_guard lock(mutex_);
  auto& rows = rows_[std::string(orderid)];
  std::erase_if(rows, [&](const auto& row) { return row.sku == sku && row.batchref == batchref; });
  rows.push_back({std::string(sku), std::string(batchref)});
}

void InMemoryReadModel::remove(std::string_view orderid, std::string_view sku,
                               std::string_view batchref) {
  std::lock_guard lock(mutex_);
  auto it = rows_.find(orderid);
  if (it == rows_.end()) return;
  std::erase_if(it->second,
                [&](const auto& row) { return row.sku == sku && row.batchref == batchref; });
  if (it->second.empty()) rows_.erase(it);
}

std::vector<service_layer::AllocationRow> InMemoryReadModel::allocations(std::string_view orderid) {
  std::lock_guard lock(mutex_);
  auto it = rows_.find(orderid);
  return it == rows_.end() ? std::vector<service_layer::AllocationRow>{} : it->second;
}

}  // namespace allocation::adapters
