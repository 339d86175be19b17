#pragma once

// What the tables keyed by event are made of (external_messages.hpp, stock_movements.hpp): one
// callable per event of domain::Event, merged into one overload set. Without a catch-all entry,
// visiting a table with an event it has no entry for does not compile, so each new event is
// given its row by decision.
namespace allocation::service_layer {

template <class... Entries>
struct EventTable : Entries... {
  using Entries::operator()...;
};
template <class... Entries>
EventTable(Entries...) -> EventTable<Entries...>;

}  // namespace allocation::service_layer
