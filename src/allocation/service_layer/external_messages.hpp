#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "allocation/domain/events.hpp"
#include "allocation/service_layer/event_table.hpp"

// What leaves the service: for each event, the channel other systems receive it on and its
// payload, or nothing. Written once, here, for both ways a message leaves: the event handler
// that hands it to an EventPublisher, and a unit of work that stores it in a transactional
// outbox. A message of another event is one entry in kExternalMessages.
namespace allocation::service_layer {

namespace channels {
inline constexpr std::string_view kLineAllocated = "line_allocated";
inline constexpr std::string_view kLineDeallocated = "line_deallocated";
inline constexpr std::string_view kOutOfStock = "out_of_stock";
inline constexpr std::string_view kBackInStock = "back_in_stock";
inline constexpr std::string_view kLowStock = "low_stock";
inline constexpr std::string_view kReservationExpired = "reservation_expired";
inline constexpr std::string_view kReservationReleased = "reservation_released";
}  // namespace channels

// The payloads are flat JSON objects of strings and integers; how they are written out (and
// the "message_id" each delivery adds) is the adapters' business.
using PayloadValue = std::variant<std::string, int>;

struct PayloadField {
  std::string_view name;  // a literal of the table
  PayloadValue value;
  friend bool operator==(const PayloadField&, const PayloadField&) = default;
};

struct ExternalMessage {
  std::string_view channel;  // a literal of the table
  std::vector<PayloadField> payload;
  friend bool operator==(const ExternalMessage&, const ExternalMessage&) = default;
};

// An entry for an event that stays inside the service.
inline constexpr std::nullopt_t kNotPublished = std::nullopt;

// The table: one entry per event of domain::Event, each taking exactly its event. There is no
// catch-all entry, so visiting it with an event that has no entry (external_message) does not
// compile: a new event is published or not by decision, never by default.
inline constexpr EventTable kExternalMessages{
    [](const domain::events::Allocated& e) -> std::optional<ExternalMessage> {
      return ExternalMessage{
          channels::kLineAllocated,
          {{"orderid", e.orderid}, {"sku", e.sku}, {"qty", e.qty}, {"batchref", e.batchref}}};
    },
    // Stored before the reallocation of the line, which is a unit of work of its own.
    [](const domain::events::Deallocated& e) -> std::optional<ExternalMessage> {
      return ExternalMessage{channels::kLineDeallocated,
                             {{"orderid", e.orderid},
                              {"sku", e.sku},
                              {"qty", e.qty},
                              {"batchref", e.batchref},
                              {"reason", std::string("batch_changed")}}};
    },
    // Also told to the stock team by mail (send_out_of_stock_notification).
    [](const domain::events::OutOfStock& e) -> std::optional<ExternalMessage> {
      return ExternalMessage{channels::kOutOfStock, {{"sku", e.sku}}};
    },
    // The answer to the order that asked says it waits; no stock moved.
    [](const domain::events::Backordered&) -> std::optional<ExternalMessage> {
      return kNotPublished;
    },
    // A line that waited was on no batch: only lines taken off a batch are line_deallocated.
    [](const domain::events::Released& e) -> std::optional<ExternalMessage> {
      if (!e.batchref) return kNotPublished;
      return ExternalMessage{channels::kLineDeallocated,
                             {{"orderid", e.orderid},
                              {"sku", e.sku},
                              {"qty", e.qty},
                              {"batchref", *e.batchref},
                              {"reason", std::string("cancelled")}}};
    },
    [](const domain::events::BackInStock& e) -> std::optional<ExternalMessage> {
      return ExternalMessage{channels::kBackInStock, {{"sku", e.sku}, {"available", e.available}}};
    },
    [](const domain::events::LowStock& e) -> std::optional<ExternalMessage> {
      return ExternalMessage{
          channels::kLowStock,
          {{"sku", e.sku}, {"available", e.available}, {"threshold", e.threshold}}};
    },
    // Stock movements of the ledger (SPEC §7.6), not messages.
    [](const domain::events::BatchAdded&) -> std::optional<ExternalMessage> {
      return kNotPublished;
    },
    [](const domain::events::BatchQuantityChanged&) -> std::optional<ExternalMessage> {
      return kNotPublished;
    },
    // A checkout's hold is between the shop and the service until it ends.
    [](const domain::events::Reserved&) -> std::optional<ExternalMessage> { return kNotPublished; },
    [](const domain::events::ReservationExtended&) -> std::optional<ExternalMessage> {
      return kNotPublished;
    },
    [](const domain::events::ReservationExpired& e) -> std::optional<ExternalMessage> {
      return ExternalMessage{
          channels::kReservationExpired,
          {{"id", e.id}, {"sku", e.sku}, {"qty", e.qty}, {"batchref", e.batchref}}};
    },
    [](const domain::events::ReservationReleased& e) -> std::optional<ExternalMessage> {
      return ExternalMessage{
          channels::kReservationReleased,
          {{"id", e.id},
           {"sku", e.sku},
           {"qty", e.qty},
           {"batchref", e.batchref},
           {"reason",
            std::string(e.reason == domain::events::HoldRelease::stock ? "stock" : "requested")}}};
    },
    // The hold lives on in another batch.
    [](const domain::events::ReservationMoved&) -> std::optional<ExternalMessage> {
      return kNotPublished;
    },
    // The allocation it became is line_allocated.
    [](const domain::events::ReservationConsumed&) -> std::optional<ExternalMessage> {
      return kNotPublished;
    },
};

// The message `event` leaves the service as; nullopt for an event that stays inside.
inline std::optional<ExternalMessage> external_message(const domain::Event& event) {
  return std::visit(kExternalMessages, event);
}

}  // namespace allocation::service_layer
