#pragma once

#include <array>
#include <string_view>
#include <variant>

#include "allocation/domain/events.hpp"
#include "allocation/service_layer/event_table.hpp"

// Each event's kind: how metrics (allocation_events_total{kind=...}) and logs name it. One row
// per event of domain::Event: a new event without a row does not compile where kinds are read.
namespace allocation::service_layer {

inline constexpr EventTable kEventKinds{
    [](const domain::events::Allocated&) { return std::string_view("allocated"); },
    // Taken off its batch by a quantity change, to be allocated again.
    [](const domain::events::Deallocated&) { return std::string_view("deallocated"); },
    [](const domain::events::OutOfStock&) { return std::string_view("out_of_stock"); },
    [](const domain::events::Backordered&) { return std::string_view("backordered"); },
    [](const domain::events::Released&) { return std::string_view("released"); },
    [](const domain::events::BackInStock&) { return std::string_view("back_in_stock"); },
    [](const domain::events::LowStock&) { return std::string_view("low_stock"); },
    [](const domain::events::BatchAdded&) { return std::string_view("batch_added"); },
    [](const domain::events::BatchQuantityChanged&) {
      return std::string_view("batch_quantity_changed");
    },
    [](const domain::events::Reserved&) { return std::string_view("reserved"); },
    [](const domain::events::ReservationExtended&) {
      return std::string_view("reservation_extended");
    },
    [](const domain::events::ReservationExpired&) {
      return std::string_view("reservation_expired");
    },
    [](const domain::events::ReservationReleased&) {
      return std::string_view("reservation_released");
    },
    [](const domain::events::ReservationMoved&) { return std::string_view("reservation_moved"); },
    [](const domain::events::ReservationConsumed&) {
      return std::string_view("reservation_consumed");
    },
};

inline std::string_view event_kind(const domain::Event& event) {
  return std::visit(kEventKinds, event);
}

// Every kind, in the order of domain::Event's alternatives (index i is the kind of the
// alternative of index i).
inline constexpr std::array<std::string_view, std::variant_size_v<domain::Event>> kAllEventKinds =
    []<class... Es>(std::type_identity<std::variant<Es...>>) {
      return std::array<std::string_view, sizeof...(Es)>{kEventKinds(Es{})...};
    }(std::type_identity<domain::Event>{});

}  // namespace allocation::service_layer
