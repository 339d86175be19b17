#pragma once

#include <map>
#include <string>
#include <string_view>

namespace allocation::domain {

// The warehouse of a batch that names none.
inline constexpr std::string_view kDefaultWarehouse = "main";
// The priority of a warehouse never configured.
inline constexpr int kDefaultWarehousePriority = 100;

// The shop's ranking of its warehouses (SPEC §6): lower is taken first. A value: not part of any
// product, it is handed to a product's allocation order as it was read.
class WarehousePriorities {
 public:
  using Configured = std::map<std::string, int, std::less<>>;

  WarehousePriorities() = default;
  explicit WarehousePriorities(Configured configured) : configured_(std::move(configured)) {}

  // The warehouse's priority; kDefaultWarehousePriority when it was never configured.
  int of(std::string_view warehouse) const {
    auto it = configured_.find(warehouse);
    return it == configured_.end() ? kDefaultWarehousePriority : it->second;
  }
  const Configured& configured() const { return configured_; }

  friend bool operator==(const WarehousePriorities&, const WarehousePriorities&) = default;

 private:
  Configured configured_;
};

}  // namespace allocation::domain
