#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "allocation/domain/events.hpp"
#include "allocation/service_layer/event_table.hpp"

// The ledger (SPEC §7.6): every change of a batch's quantities is a movement, derived from the
// event that tells of it. Written once, here, for every store: the SQL units of work write the
// movements of their events in the transaction of the change, the in-memory store keeps them
// at its commit. A movement of another event is one entry in kStockMovements.
namespace allocation::service_layer {

namespace movement_kinds {
inline constexpr std::string_view kReceived = "received";
inline constexpr std::string_view kAdjusted = "adjusted";
inline constexpr std::string_view kAllocated = "allocated";
inline constexpr std::string_view kReleased = "released";
inline constexpr std::string_view kReserved = "reserved";
inline constexpr std::string_view kUnreserved = "unreserved";
}  // namespace movement_kinds

// Why a line left its batch, when it did.
namespace movement_reasons {
inline constexpr std::string_view kBatchChanged = "batch_changed";
inline constexpr std::string_view kCancelled = "cancelled";
// Why a hold gave its units back.
inline constexpr std::string_view kExpired = "expired";
inline constexpr std::string_view kRequested = "requested";
inline constexpr std::string_view kStock = "stock";
inline constexpr std::string_view kMoved = "moved";
inline constexpr std::string_view kAllocated = "allocated";
}  // namespace movement_reasons

// One change of one batch. `qty` is the signed change of the batch's available units:
// negative for allocated and reserved, positive for released, unreserved and received, either
// sign for adjusted (new purchased - old purchased). Its place in the ledger (seq) and its time
// (at) are the store's.
struct Movement {
  std::string sku;
  std::string batchref;
  std::string_view kind;  // a literal of movement_kinds
  int qty;
  std::optional<std::string> orderid;
  std::optional<std::string_view> reason;                 // a literal of movement_reasons
  std::optional<std::string> reservation = std::nullopt;  // the hold's id
  friend bool operator==(const Movement&, const Movement&) = default;
};

// The table: one entry per event of domain::Event, each taking exactly its event. There is no
// catch-all entry, so visiting it with an event that has no entry (stock_movements) does not
// compile: whether a new event moves stock is decided, never defaulted.
inline constexpr EventTable kStockMovements{
    [](const domain::events::Allocated& e) -> std::vector<Movement> {
      return {{e.sku, e.batchref, movement_kinds::kAllocated, -e.qty, e.orderid, std::nullopt}};
    },
    // The line's units go back to the batch; its reallocation is an Allocated of its own.
    [](const domain::events::Deallocated& e) -> std::vector<Movement> {
      return {{e.sku, e.batchref, movement_kinds::kReleased, e.qty, e.orderid,
               movement_reasons::kBatchChanged}};
    },
    // Signals about the product: no batch changed.
    [](const domain::events::OutOfStock&) -> std::vector<Movement> { return {}; },
    // The line waits in the backorder queue, on no batch.
    [](const domain::events::Backordered&) -> std::vector<Movement> { return {}; },
    // A line that waited in the backorder queue (no batchref) held no stock.
    [](const domain::events::Released& e) -> std::vector<Movement> {
      if (!e.batchref) return {};
      return {{e.sku, *e.batchref, movement_kinds::kReleased, e.qty, e.orderid,
               movement_reasons::kCancelled}};
    },
    [](const domain::events::BackInStock&) -> std::vector<Movement> { return {}; },
    [](const domain::events::LowStock&) -> std::vector<Movement> { return {}; },
    [](const domain::events::BatchAdded& e) -> std::vector<Movement> {
      return {{e.sku, e.batchref, movement_kinds::kReceived, e.qty, std::nullopt, std::nullopt}};
    },
    // A change to the same quantity moves nothing.
    [](const domain::events::BatchQuantityChanged& e) -> std::vector<Movement> {
      if (e.qty == e.old_qty) return {};
      return {{e.sku, e.batchref, movement_kinds::kAdjusted, e.qty - e.old_qty, std::nullopt,
               std::nullopt}};
    },
    [](const domain::events::Reserved& e) -> std::vector<Movement> {
      return {
          {e.sku, e.batchref, movement_kinds::kReserved, -e.qty, std::nullopt, std::nullopt, e.id}};
    },
    // A later expiry moves no units.
    [](const domain::events::ReservationExtended&) -> std::vector<Movement> { return {}; },
    [](const domain::events::ReservationExpired& e) -> std::vector<Movement> {
      return {{e.sku, e.batchref, movement_kinds::kUnreserved, e.qty, std::nullopt,
               movement_reasons::kExpired, e.id}};
    },
    [](const domain::events::ReservationReleased& e) -> std::vector<Movement> {
      return {{e.sku, e.batchref, movement_kinds::kUnreserved, e.qty, std::nullopt,
               e.reason == domain::events::HoldRelease::stock ? movement_reasons::kStock
                                                              : movement_reasons::kRequested,
               e.id}};
    },
    [](const domain::events::ReservationMoved& e) -> std::vector<Movement> {
      return {{e.sku, e.from_batchref, movement_kinds::kUnreserved, e.qty, std::nullopt,
               movement_reasons::kMoved, e.id},
              {e.sku, e.batchref, movement_kinds::kReserved, -e.qty, std::nullopt,
               movement_reasons::kMoved, e.id}};
    },
    // The held units come back; the line's Allocated takes its own.
    [](const domain::events::ReservationConsumed& e) -> std::vector<Movement> {
      return {{e.sku, e.batchref, movement_kinds::kUnreserved, e.qty, e.orderid,
               movement_reasons::kAllocated, e.id}};
    },
};

// The movements `event` makes, in order; none for an event that moves no stock.
inline std::vector<Movement> stock_movements(const domain::Event& event) {
  return std::visit(kStockMovements, event);
}

}  // namespace allocation::service_layer
