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

// No batch has this reference.
class UnknownBatch : public std::runtime_error {
 public:
  explicit UnknownBatch(const std::string& reference)
      : std::runtime_error("Unknown batch " + reference) {}
};

}  // namespace allocation::domain
