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

}  // namespace allocation::domain::commands

namespace allocation::domain {

using Command =
    std::variant<commands::CreateBatch, commands::Allocate, commands::ChangeBatchQuantity>;

}  // namespace allocation::domain
