#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace allocation::service_layer {

// One row of the read model: which batch holds an order's line of a SKU.
struct AllocationRow {
  std::string sku;
  std::string batchref;
  friend bool operator==(const AllocationRow&, const AllocationRow&) = default;
};

// Port: the query side (CQRS). A denormalised view of allocations by order, kept up to date by
// event handlers, read without touching the domain model. Safe to use from many threads.
class ReadModel {
 public:
  virtual ~ReadModel() = default;
  virtual void add(std::string_view orderid, std::string_view sku, std::string_view batchref) = 0;
  virtual void remove(std::string_view orderid, std::string_view sku) = 0;
  // The order's allocations, in the order they were made.
  virtual std::vector<AllocationRow> allocations(std::string_view orderid) = 0;
};

}  // namespace allocation::service_layer
