#include "allocation/service_layer/external_messages.hpp"

#include <gtest/gtest.h>

#include <set>
#include <type_traits>

#include "support/event_table.hpp"
#include "support/print_external_message.hpp"
#include "support/test_time.hpp"

namespace allocation::service_layer {
namespace {

using namespace domain::events;

static_assert(testing::decides_for_each_event_alone<std::optional<ExternalMessage>,
                                                    decltype(kExternalMessages)>);

// What each event must leave the service as: a sample of it, and its message or nothing. One
// function per event, and message_cases() asks for each event of the variant: a new event does
// not compile here until it is given one. The samples' fields differ from each other, so that
// a field taken for another shows.
using MessageCase = testing::EventCase<std::optional<ExternalMessage>>;

MessageCase message_case(std::type_identity<Allocated>) {
  return {Allocated{"o1", "LAMP", 3, "b1"},
          ExternalMessage{"line_allocated",
                          {{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 3}, {"batchref", "b1"}}}};
}
MessageCase message_case(std::type_identity<Deallocated>) {
  return {Deallocated{"o2", "DESK", 4, "b2"}, ExternalMessage{"line_deallocated",
                                                              {{"orderid", "o2"},
                                                               {"sku", "DESK"},
                                                               {"qty", 4},
                                                               {"batchref", "b2"},
                                                               {"reason", "batch_changed"}}}};
}
MessageCase message_case(std::type_identity<OutOfStock>) {
  return {OutOfStock{"CHAIR"}, ExternalMessage{"out_of_stock", {{"sku", "CHAIR"}}}};
}
MessageCase message_case(std::type_identity<Backordered>) {
  return {Backordered{"o3", "SOFA", 5}, std::nullopt};
}
MessageCase message_case(std::type_identity<Released>) {
  return {Released{"o4", "RUG", 6, "b4"}, ExternalMessage{"line_deallocated",
                                                          {{"orderid", "o4"},
                                                           {"sku", "RUG"},
                                                           {"qty", 6},
                                                           {"batchref", "b4"},
                                                           {"reason", "cancelled"}}}};
}
MessageCase message_case(std::type_identity<BackInStock>) {
  return {BackInStock{"BED", 7},
          ExternalMessage{"back_in_stock", {{"sku", "BED"}, {"available", 7}}}};
}
MessageCase message_case(std::type_identity<LowStock>) {
  return {LowStock{"VASE", 2, 8},
          ExternalMessage{"low_stock", {{"sku", "VASE"}, {"available", 2}, {"threshold", 8}}}};
}
MessageCase message_case(std::type_identity<BatchAdded>) {
  return {BatchAdded{"CUP", "b9", 9}, std::nullopt};
}
MessageCase message_case(std::type_identity<BatchQuantityChanged>) {
  return {BatchQuantityChanged{"MUG", "b10", 10, 11}, std::nullopt};
}
MessageCase message_case(std::type_identity<Reserved>) {
  return {Reserved{"r1", "PEN", 12, "b12", kTestNoon}, std::nullopt};
}
MessageCase message_case(std::type_identity<ReservationExtended>) {
  return {ReservationExtended{"r2", "INK", kTestNoon}, std::nullopt};
}
MessageCase message_case(std::type_identity<ReservationExpired>) {
  return {ReservationExpired{"r3", "PAD", 13, "b13"},
          ExternalMessage{"reservation_expired",
                          {{"id", "r3"}, {"sku", "PAD"}, {"qty", 13}, {"batchref", "b13"}}}};
}
MessageCase message_case(std::type_identity<ReservationReleased>) {
  return {
      ReservationReleased{"r4", "BAG", 14, "b14", HoldRelease::stock},
      ExternalMessage{
          "reservation_released",
          {{"id", "r4"}, {"sku", "BAG"}, {"qty", 14}, {"batchref", "b14"}, {"reason", "stock"}}}};
}
MessageCase message_case(std::type_identity<ReservationMoved>) {
  return {ReservationMoved{"r5", "BOX", 15, "b15", "b16"}, std::nullopt};
}
MessageCase message_case(std::type_identity<ReservationConsumed>) {
  return {ReservationConsumed{"r6", "TAPE", 17, "b17", "o17"}, std::nullopt};
}

std::vector<MessageCase> message_cases() {
  return testing::every_case(std::type_identity<domain::Event>{},
                             [](auto event) { return message_case(event); });
}

TEST(ExternalMessages, EachEventLeavesOnItsChannelWithItsFieldsOrStaysInside) {
  const auto cases = message_cases();
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
  for (const auto& [sample, expected] : message_cases()) {
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
