#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "allocation/service_layer/ports/read_model.hpp"

namespace allocation::adapters {

// The read model in a map, guarded by a mutex.
class InMemoryReadModel final : public service_layer::ReadModel,
                                public service_layer::ReadModelWriter {
 public:
  void add(std::string_view orderid, std::string_view sku, std::string_view batchref) override;
  void remove(std::string_view orderid, std::string_view sku, std::string_view batchref) override;
  std::vector<service_layer::AllocationRow> allocations(std::string_view orderid) override;

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<service_layer::AllocationRow>, std::less<>> rows_;
};

}  // namespace allocation::adapters
