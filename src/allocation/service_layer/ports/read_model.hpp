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

// Port: the query side (CQRS). A denormalised view of allocations by order, read without
// touching the domain model. Safe to use from many threads.
class ReadModel {
 public:
  virtual ~ReadModel() = default;
  // The order's allocations, in the order they were made.
  virtual std::vector<AllocationRow> allocations(std::string_view orderid) = 0;
};

// Port: how event handlers keep a read model that lives outside the unit of work's
// transaction up to date. Both calls are idempotent, so handling an event twice is harmless.
// A store that updates its view in the transaction of the change itself needs none.
class ReadModelWriter {
 public:
  virtual ~ReadModelWriter() = default;
  virtual void add(std::string_view orderid, std::string_view sku, std::string_view batchref) = 0;
  // Each part of a line split across batches (SPEC §6) is a row of its own.
  virtual void remove(std::string_view orderid, std::string_view sku,
                      std::string_view batchref) = 0;
};

}  // namespace allocation::service_layer
