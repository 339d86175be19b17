#pragma once

#include <optional>
#include <string>
#include <variant>

// Events: facts the domain recorded. Plain values; zero or more handlers each.
namespace allocation::domain::events {

// A line took units of a batch.
struct Allocated {
  std::string orderid;
  std::string sku;
  int qty;
  std::string batchref;
  friend bool operator==(const Allocated&, const Allocated&) = default;
};

// A line was taken off its batch because the batch's quantity went down; it is to be allocated
// again (reason "batch_changed").
struct Deallocated {
  std::string orderid;
  std::string sku;
  int qty;
  std::string batchref;
  friend bool operator==(const Deallocated&, const Deallocated&) = default;
};

// The product ran out: a line found no batch that could take it, and the product had not run out
// already since it last had stock again (BackInStock).
struct OutOfStock {
  std::string sku;
  friend bool operator==(const OutOfStock&, const OutOfStock&) = default;
};

// A line no batch could take waits in the product's backorder queue.
struct Backordered {
  std::string orderid;
  std::string sku;
  int qty;
  friend bool operator==(const Backordered&, const Backordered&) = default;
};

// A line was released by its order (deallocated, cancelled): from `batchref`, or from the
// backorder queue when it was waiting (no batchref).
struct Released {
  std::string orderid;
  std::string sku;
  int qty;
  std::optional<std::string> batchref;
  friend bool operator==(const Released&, const Released&) = default;
};

// A product that had run out (OutOfStock) has available units again.
struct BackInStock {
  std::string sku;
  int available;
  friend bool operator==(const BackInStock&, const BackInStock&) = default;
};

// The product's available units fell to its threshold or below it.
struct LowStock {
  std::string sku;
  int available;
  int threshold;
  friend bool operator==(const LowStock&, const LowStock&) = default;
};

// A batch arrived in the product (the ledger's "received").
struct BatchAdded {
  std::string sku;
  std::string batchref;
  int qty;
  friend bool operator==(const BatchAdded&, const BatchAdded&) = default;
};

// A batch's purchased quantity was set from `old_qty` to `qty` (the ledger's "adjusted").
struct BatchQuantityChanged {
  std::string sku;
  std::string batchref;
  int old_qty;
  int qty;
  friend bool operator==(const BatchQuantityChanged&, const BatchQuantityChanged&) = default;
};

}  // namespace allocation::domain::events

namespace allocation::domain {

using Event = std::variant<events::Allocated, events::Deallocated, events::OutOfStock,
                           events::Backordered, events::Released, events::BackInStock,
                           events::LowStock, events::BatchAdded, events::BatchQuantityChanged>;

}  // namespace allocation::domain
