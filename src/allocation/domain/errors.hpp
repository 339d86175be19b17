#pragma once

#include <stdexcept>
#include <string>

namespace allocation::domain {

// A batch reference is already taken by a batch with other data (sku, quantity or eta).
class BatchConflict : public std::runtime_error {
 public:
  explicit BatchConflict(const std::string& reference)
      : std::runtime_error("batch " + reference + " already exists with other data") {}
};

// An order has a line of this SKU already, of another quantity: allocating the line again is
// safe to retry only when it asks for the same one. (Not a std::invalid_argument: the request is
// well formed, it disagrees with what the order has.)
class LineConflict : public std::runtime_error {
 public:
  LineConflict(const std::string& orderid, const std::string& sku, int existing_qty)
      : std::runtime_error("order " + orderid + " already has " + std::to_string(existing_qty) +
                           " of " + sku + "; allocating it again must ask for the same qty") {}
};

// No batch has this reference.
class UnknownBatch : public std::runtime_error {
 public:
  explicit UnknownBatch(const std::string& reference)
      : std::runtime_error("Unknown batch " + reference) {}
};

}  // namespace allocation::domain
