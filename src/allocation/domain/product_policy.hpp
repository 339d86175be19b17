#pragma once

#include <optional>

namespace allocation::domain {

// How a product treats demand it cannot meet and stock running low (SPEC §7.2). A new product
// takes no backorders and has no threshold.
struct ProductPolicy {
  // A line no batch can take waits in the product's backorder queue instead of being refused.
  bool backorders = false;
  // LowStock is recorded when the product's available units fall to this or below it.
  std::optional<int> low_stock_threshold;

  friend bool operator==(const ProductPolicy&, const ProductPolicy&) = default;
};

}  // namespace allocation::domain
