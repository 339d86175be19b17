#pragma once

#include <type_traits>
#include <variant>
#include <vector>

#include "allocation/domain/commands.hpp"
#include "allocation/domain/events.hpp"

namespace allocation::testing {

// Checks of a table that makes something of each domain event (an overload set as one object,
// such as kExternalMessages or kStockMovements), shared by the tests of each such table.

// Compile time: the table has an entry for every event of domain::Event, each giving a Result,
// and no catch-all entry, which would decide for a new event by default.
struct NotAnEvent {};
template <class Result, class Table, class... Es>
constexpr bool has_an_entry_for_each(std::type_identity<std::variant<Es...>>) {
  return (std::is_invocable_r_v<Result, Table, const Es&> && ...);
}
template <class Result, class Table>
inline constexpr bool decides_for_each_event_alone =
    has_an_entry_for_each<Result, Table>(std::type_identity<domain::Event>{}) &&
    !std::is_invocable_v<Table, const NotAnEvent&> &&
    !std::is_invocable_v<Table, const domain::Command&>;

// A sample of an event and what the table must make of it.
template <class Expected>
struct EventCase {
  domain::Event sample;
  Expected expected;
};

// One case for each event of domain::Event, in the variant's order: `expect` is called with the
// std::type_identity of each, so a new event does not compile until its test gives it a case.
template <class Expect, class... Es>
auto every_case(std::type_identity<std::variant<Es...>>, Expect expect) {
  return std::vector{expect(std::type_identity<Es>{})...};
}

}  // namespace allocation::testing
