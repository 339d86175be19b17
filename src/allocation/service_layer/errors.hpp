#pragma once

#include <stdexcept>
#include <string>

namespace allocation::service_layer {

// Allocation asked for a SKU that has no batch at all.
class InvalidSku : public std::runtime_error {
 public:
  explicit InvalidSku(const std::string& sku) : std::runtime_error("Invalid sku " + sku) {}
};

// Something the request names does not exist (an order's line, a product): 404.
class NotFound : public std::runtime_error {
 public:
  explicit NotFound(const std::string& what) : std::runtime_error(what) {}
};

// A request names something that exists, but not as the request needs it (a hold of another
// SKU): 400.
class InvalidReference : public std::runtime_error {
 public:
  explicit InvalidReference(const std::string& what) : std::runtime_error(what) {}
};

// A commit lost a race: a product it changed was changed by somebody else since it was read.
// Nothing of the unit of work was written; running the command again on fresh state is safe.
class ConcurrencyError : public std::runtime_error {
 public:
  explicit ConcurrencyError(const std::string& what) : std::runtime_error(what) {}
};

// The storage behind a port cannot be reached (database down, pool exhausted): the caller may
// try again later. The HTTP API answers 503.
class Unavailable : public std::runtime_error {
 public:
  explicit Unavailable(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace allocation::service_layer
