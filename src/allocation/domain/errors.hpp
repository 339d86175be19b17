#pragma once

#include <stdexcept>
#include <string>

namespace allocation::domain {

// A well-formed command that disagrees with what is stored: repeating it is safe only with the
// same data. (Not a std::invalid_argument: nothing is wrong with the request itself.)
class Conflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A batch reference is already taken by a batch with other data (sku, quantity or eta).
class BatchConflict : public Conflict {
 public:
  explicit BatchConflict(const std::string& reference)
      : Conflict("batch " + reference + " already exists with other data") {}
};

// An order has a line of this SKU already, of another quantity: allocating the line again is
// safe to retry only when it asks for the same one.
class LineConflict : public Conflict {
 public:
  LineConflict(const std::string& orderid, const std::string& sku, int existing_qty)
      : Conflict("order " + orderid + " already has " + std::to_string(existing_qty) + " of " +
                 sku + "; allocating it again must ask for the same qty") {}
};

// An order released its line of this SKU (deallocated, cancelled): the line cannot be
// allocated again.
class ReleasedLine : public Conflict {
 public:
  ReleasedLine(const std::string& orderid, const std::string& sku)
      : Conflict("order " + orderid + " released its line of " + sku +
                 "; a released line is not allocated again") {}
};

// No batch has this reference.
class UnknownBatch : public std::runtime_error {
 public:
  explicit UnknownBatch(const std::string& reference)
      : std::runtime_error("Unknown batch " + reference) {}
};

}  // namespace allocation::domain
