#pragma once

#include <optional>
#include <string>
#include <variant>

#include "allocation/domain/hold.hpp"

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
  // When the line was split across batches (SPEC §6): this was a part of a line of so many
  // units, and only this part is allocated again.
  std::optional<int> line_qty = std::nullopt;
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

// Units of a batch are held for a customer until `expires_at` (SPEC §7.3).
struct Reserved {
  std::string id;
  std::string sku;
  int qty;
  std::string batchref;
  Instant expires_at;
  friend bool operator==(const Reserved&, const Reserved&) = default;
};

// A live hold now expires at `expires_at`.
struct ReservationExtended {
  std::string id;
  std::string sku;
  Instant expires_at;
  friend bool operator==(const ReservationExtended&, const ReservationExtended&) = default;
};

// A hold's time ran out: its units are free again.
struct ReservationExpired {
  std::string id;
  std::string sku;
  int qty;
  std::string batchref;
  friend bool operator==(const ReservationExpired&, const ReservationExpired&) = default;
};

// Why a hold was released before it expired.
enum class HoldRelease {
  requested,  // DELETE /reservations/<id>
  stock,      // its batch shrank and no other batch could take it
};

// A hold was let go before it expired: its units are free again.
struct ReservationReleased {
  std::string id;
  std::string sku;
  int qty;
  std::string batchref;
  HoldRelease reason;
  friend bool operator==(const ReservationReleased&, const ReservationReleased&) = default;
};

// A hold moved to another batch because its batch shrank.
struct ReservationMoved {
  std::string id;
  std::string sku;
  int qty;
  std::string from_batchref;
  std::string batchref;
  friend bool operator==(const ReservationMoved&, const ReservationMoved&) = default;
};

// An allocation naming a hold ended it: the held units are free again, and the line's own
// Allocated (or OutOfStock, Backordered) follows.
struct ReservationConsumed {
  std::string id;
  std::string sku;
  int qty;
  std::string batchref;
  std::string orderid;
  friend bool operator==(const ReservationConsumed&, const ReservationConsumed&) = default;
};

}  // namespace allocation::domain::events

namespace allocation::domain {

using Event =
    std::variant<events::Allocated, events::Deallocated, events::OutOfStock, events::Backordered,
                 events::Released, events::BackInStock, events::LowStock, events::BatchAdded,
                 events::BatchQuantityChanged, events::Reserved, events::ReservationExtended,
                 events::ReservationExpired, events::ReservationReleased, events::ReservationMoved,
                 events::ReservationConsumed>;

}  // namespace allocation::domain
