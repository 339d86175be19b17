#pragma once

#include <string>
#include <variant>

// Events: facts the domain recorded. Plain values; zero or more handlers each.
namespace allocation::domain::events {

struct Allocated {
  std::string orderid;
  std::string sku;
  int qty;
  std::string batchref;
  friend bool operator==(const Allocated&, const Allocated&) = default;
};

struct Deallocated {
  std::string orderid;
  std::string sku;
  int qty;
  friend bool operator==(const Deallocated&, const Deallocated&) = default;
};

struct OutOfStock {
  std::string sku;
  friend bool operator==(const OutOfStock&, const OutOfStock&) = default;
};

}  // namespace allocation::domain::events

namespace allocation::domain {

using Event = std::variant<events::Allocated, events::Deallocated, events::OutOfStock>;

}  // namespace allocation::domain
