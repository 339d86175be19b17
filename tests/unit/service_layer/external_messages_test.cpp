#include "allocation/service_layer/external_messages.hpp"

#include <gtest/gtest.h>

#include <set>
#include <type_traits>

#include "allocation/domain/commands.hpp"
#include "support/print_external_message.hpp"

namespace allocation::service_layer {
namespace {

using namespace domain::events;

// Compile time: the table has an entry for every event of domain::Event...
template <class... Es>
constexpr bool has_an_entry_for_each(std::type_identity<std::variant<Es...>>) {
  return (std::is_invocable_r_v<std::optional<ExternalMessage>, decltype(kExternalMessages),
                                const Es&> &&
          ...);
}
static_assert(has_an_entry_for_each(std::type_identity<domain::Event>{}));
// ... and no catch-all entry, which would decide for a new event by default.
struct NotAnEvent {};
static_assert(!std::is_invocable_v<decltype(kExternalMessages), const NotAnEvent&>);
static_assert(!std::is_invocable_v<decltype(kExternalMessages), const domain::Command&>);

// What each event must leave the service as: a sample of it, and its message or nothing. One
// function per event, and every_case() asks for each event of the variant: a new event does
// not compile here until it is given one. The samples' fields differ from each other, so that
// a field taken for another shows.
struct Case {
  domain::Event sample;
  std::optional<ExternalMessage> expected;
};

Case expectation(std::type_identity<Allocated>) {
  return {Allocated{"o1", "LAMP", 3, "b1"},
          ExternalMessage{"line_allocated",
                          {{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 3}, {"batchref", "b1"}}}};
}
Case expectation(std::type_identity<Deallocated>) {
  return {Deallocated{"o2", "DESK", 4, "b2"}, ExternalMessage{"line_deallocated",
                                                              {{"orderid", "o2"},
                                                               {"sku", "DESK"},
                                                               {"qty", 4},
                                                               {"batchref", "b2"},
                                                               {"reason", "batch_changed"}}}};
}
Case expectation(std::type_identity<OutOfStock>) {
  return {OutOfStock{"CHAIR"}, ExternalMessage{"out_of_stock", {{"sku", "CHAIR"}}}};
}
Case expectation(std::type_identity<Backordered>) {
  return {Backordered{"o3", "SOFA", 5}, std::nullopt};
}
Case expectation(std::type_identity<Released>) {
  return {Released{"o4", "RUG", 6, "b4"}, ExternalMessage{"line_deallocated",
                                                          {{"orderid", "o4"},
                                                           {"sku", "RUG"},
                                                           {"qty", 6},
                                                           {"batchref", "b4"},
                                                           {"reason", "cancelled"}}}};
}
Case expectation(std::type_identity<BackInStock>) {
  return {BackInStock{"BED", 7},
          ExternalMessage{"back_in_stock", {{"sku", "BED"}, {"available", 7}}}};
}
Case expectation(std::type_identity<LowStock>) {
  return {LowStock{"VASE", 2, 8},
          ExternalMessage{"low_stock", {{"sku", "VASE"}, {"available", 2}, {"threshold", 8}}}};
}
Case expectation(std::type_identity<BatchAdded>) {
  return {BatchAdded{"CUP", "b9", 9}, std::nullopt};
}
Case expectation(std::type_identity<BatchQuantityChanged>) {
  return {BatchQuantityChanged{"MUG", "b10", 10, 11}, std::nullopt};
}
constexpr domain::Instant kNoon{std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} +
                                std::chrono::hours(12)};
Case expectation(std::type_identity<Reserved>) {
  return {Reserved{"r1", "PEN", 12, "b12", kNoon}, std::nullopt};
}
Case expectation(std::type_identity<ReservationExtended>) {
  return {ReservationExtended{"r2", "INK", kNoon}, std::nullopt};
}
Case expectation(std::type_identity<ReservationExpired>) {
  return {ReservationExpired{"r3", "PAD", 13, "b13"},
          ExternalMessage{"reservation_expired",
                          {{"id", "r3"}, {"sku", "PAD"}, {"qty", 13}, {"batchref", "b13"}}}};
}
Case expectation(std::type_identity<ReservationReleased>) {
  return {
      ReservationReleased{"r4", "BAG", 14, "b14", HoldRelease::stock},
      ExternalMessage{
          "reservation_released",
          {{"id", "r4"}, {"sku", "BAG"}, {"qty", 14}, {"batchref", "b14"}, {"reason", "stock"}}}};
}
Case expectation(std::type_identity<ReservationMoved>) {
  return {ReservationMoved{"r5", "BOX", 15, "b15", "b16"}, std::nullopt};
}
Case expectation(std::type_identity<ReservationConsumed>) {
  return {ReservationConsumed{"r6", "TAPE", 17, "b17", "o17"}, std::nullopt};
}

template <class... Es>
std::vector<Case> every_case(std::type_identity<std::variant<Es...>>) {
  return {expectation(std::type_identity<Es>{})...};
}

TEST(ExternalMessages, EachEventLeavesOnItsChannelWithItsFieldsOrStaysInside) {
  const auto cases = every_case(std::type_identity<domain::Event>{});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    ASSERT_EQ(cases[i].sample.index(), i) << "each case is a sample of its own event";
    EXPECT_EQ(external_message(cases[i].sample), cases[i].expected) << "event #" << i;
  }
}

// A hold let go by its checkout says so.
TEST(ExternalMessages, AHoldReleasedOnRequestSaysSo) {
  const auto message =
      external_message(ReservationReleased{"r4", "BAG", 14, "b14", HoldRelease::requested});
  ASSERT_TRUE(message);
  EXPECT_EQ(message->payload.back(), (PayloadField{"reason", std::string("requested")}));
}

// A line that waited was on no batch: its release moves no stock that others hear of.
TEST(ExternalMessages, AReleasedLineThatWaitedStaysInside) {
  EXPECT_EQ(external_message(Released{"o4", "RUG", 6, std::nullopt}), std::nullopt);
}

TEST(ExternalMessages, APayloadNamesEachFieldOnceAndLeavesMessageIdToTheDelivery) {
  for (const auto& [sample, expected] : every_case(std::type_identity<domain::Event>{})) {
    const auto message = external_message(sample);
    if (!message) continue;
    EXPECT_FALSE(message->channel.empty());
    std::set<std::string_view> names;
    for (const auto& field : message->payload) {
      EXPECT_TRUE(names.insert(field.name).second) << field.name << " twice";
      EXPECT_NE(field.name, "message_id") << "each delivery adds its own";
    }
  }
}

}  // namespace
}  // namespace allocation::service_layer
