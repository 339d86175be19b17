#pragma once

#include <string>
#include <vector>

// Port: the warehouses a shop has (SPEC §6), read without loading any product (the query
// side). Safe to use from many threads.
namespace allocation::service_layer {

// A warehouse's priority as set by SetWarehousePriority.
struct WarehousePriority {
  std::string warehouse;
  int priority;
  friend bool operator==(const WarehousePriority&, const WarehousePriority&) = default;
};

// A warehouse known to the service: configured, or named by a batch (then at the default
// priority).
struct WarehouseView {
  std::string id;
  int priority;
  bool configured;
  friend bool operator==(const WarehouseView&, const WarehouseView&) = default;
};

class Warehouses {
 public:
  virtual ~Warehouses() = default;
  // Every warehouse configured or named by a batch, by id.
  virtual std::vector<WarehouseView> list() = 0;
};

}  // namespace allocation::service_layer
