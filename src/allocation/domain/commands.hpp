#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "allocation/domain/date.hpp"
#include "allocation/domain/warehouse_priorities.hpp"

// Commands: what somebody asks the system to do. Plain values; exactly one handler each.
namespace allocation::domain::commands {

struct CreateBatch {
  std::string ref;
  std::string sku;
  int qty;
  std::optional<Date> eta;
  std::string warehouse = std::string(kDefaultWarehouse);
  // Perishable stock's last day (SPEC §6); none keeps.
  std::optional<Date> expires = std::nullopt;
  friend bool operator==(const CreateBatch&, const CreateBatch&) = default;
};

struct Allocate {
  std::string orderid;
  std::string sku;
  int qty;
  // The hold the line takes its units from (SPEC §7.3), if any.
  std::optional<std::string> reservation = std::nullopt;
  // The warehouse whose batches come first (click and collect; SPEC §6), if any.
  std::optional<std::string> warehouse = std::nullopt;
  // When no batch can take the whole line, take it from several (SPEC §6).
  bool split = false;
  friend bool operator==(const Allocate&, const Allocate&) = default;
};

struct ChangeBatchQuantity {
  std::string ref;
  int qty;
  // The id of the broker message that asks it, if any: a message delivered again (brokers
  // deliver at least once) changes nothing the second time.
  std::optional<std::string> message_id = std::nullopt;
  friend bool operator==(const ChangeBatchQuantity&, const ChangeBatchQuantity&) = default;
};

// Releases the order's line of the SKU, wherever it is (SPEC §7.1).
struct Deallocate {
  std::string orderid;
  std::string sku;
  friend bool operator==(const Deallocate&, const Deallocate&) = default;
};

// Releases every line of the order, one product at a time (SPEC §7.1).
struct CancelOrder {
  std::string orderid;
  friend bool operator==(const CancelOrder&, const CancelOrder&) = default;
};

// Sets what is given of the product's policy (SPEC §7.2); an absent field stays as it is.
struct SetProductPolicy {
  std::string sku;
  std::optional<bool> backorders;
  // Outer: given or not; inner: the threshold, or none (cleared).
  std::optional<std::optional<int>> low_stock_threshold;
  friend bool operator==(const SetProductPolicy&, const SetProductPolicy&) = default;
};

// Holds stock for a checkout (SPEC §7.3). Without an id, the service makes one.
struct Reserve {
  std::optional<std::string> id;
  std::string sku;
  int qty;
  std::chrono::seconds ttl;
  friend bool operator==(const Reserve&, const Reserve&) = default;
};

// The hold then expires ttl from now.
struct ExtendReservation {
  std::string id;
  std::chrono::seconds ttl;
  friend bool operator==(const ExtendReservation&, const ExtendReservation&) = default;
};

// Lets a hold go before it expires.
struct ReleaseReservation {
  std::string id;
  friend bool operator==(const ReleaseReservation&, const ReleaseReservation&) = default;
};

// Ends every expired hold of every product, one product at a time (the sweep).
struct ExpireReservations {
  friend bool operator==(const ExpireReservations&, const ExpireReservations&) = default;
};

// Ends the expired holds of one product.
struct ExpireProductReservations {
  std::string sku;
  friend bool operator==(const ExpireProductReservations&,
                         const ExpireProductReservations&) = default;
};

// Sets a warehouse's priority (SPEC §6): lower is taken first.
struct SetWarehousePriority {
  std::string warehouse;
  int priority;
  friend bool operator==(const SetWarehousePriority&, const SetWarehousePriority&) = default;
};

}  // namespace allocation::domain::commands

namespace allocation::domain {

using Command =
    std::variant<commands::CreateBatch, commands::Allocate, commands::ChangeBatchQuantity,
                 commands::Deallocate, commands::CancelOrder, commands::SetProductPolicy,
                 commands::Reserve, commands::ExtendReservation, commands::ReleaseReservation,
                 commands::ExpireReservations, commands::ExpireProductReservations,
                 commands::SetWarehousePriority>;

}  // namespace allocation::domain
