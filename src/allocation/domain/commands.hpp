#pragma once

#include <optional>
#include <string>
#include <variant>

#include "allocation/domain/date.hpp"

// Commands: what somebody asks the system to do. Plain values; exactly one handler each.
namespace allocation::domain::commands {

struct CreateBatch {
  std::string ref;
  std::string sku;
  int qty;
  std::optional<Date> eta;
  friend bool operator==(const CreateBatch&, const CreateBatch&) = default;
};

struct Allocate {
  std::string orderid;
  std::string sku;
  int qty;
  friend bool operator==(const Allocate&, const Allocate&) = default;
};

struct ChangeBatchQuantity {
  std::string ref;
  int qty;
  friend bool operator==(const ChangeBatchQuantity&, const ChangeBatchQuantity&) = default;
};

// Releases the order's line of the SKU, wherever it is (SPEC §7.1).
struct Deallocate {
  std::string orderid;
  std::string sku;
  friend bool operator==(const Deallocate&, const Deallocate&) = default;
};

// Releases every line of the order, one product at a time (SPEC §7.1).
struct CancelOrder {
  std::string orderid;
  friend bool operator==(const CancelOrder&, const CancelOrder&) = default;
};

// Sets what is given of the product's policy (SPEC §7.2); an absent field stays as it is.
struct SetProductPolicy {
  std::string sku;
  std::optional<bool> backorders;
  // Outer: given or not; inner: the threshold, or none (cleared).
  std::optional<std::optional<int>> low_stock_threshold;
  friend bool operator==(const SetProductPolicy&, const SetProductPolicy&) = default;
};

}  // namespace allocation::domain::commands

namespace allocation::domain {

using Command =
    std::variant<commands::CreateBatch, commands::Allocate, commands::ChangeBatchQuantity,
                 commands::Deallocate, commands::CancelOrder, commands::SetProductPolicy>;

}  // namespace allocation::domain
