#include "allocation/adapters/outgoing_message.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "allocation/adapters/event_json.hpp"

namespace allocation::adapters {
namespace {

namespace events = domain::events;

TEST(OutgoingMessage, IsTheEventsJsonWithItsOwnMessageId) {
  const domain::Event event = events::Allocated{"o1", "LAMP", 3, "b1"};
  const OutgoingMessage message = outgoing_message(event);
  EXPECT_EQ(message.payload, to_json(event, message.message_id));
  EXPECT_EQ(nlohmann::json::parse(message.payload).at("message_id"), message.message_id);
}

TEST(OutgoingMessage, MessageIdIs128BitsInLowercaseHex) {
  const std::string id = outgoing_message(events::OutOfStock{"LAMP"}).message_id;
  ASSERT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
}

TEST(OutgoingMessage, EachMessageOfTheSameEventHasAnotherId) {
  const domain::Event event = events::Deallocated{"o1", "LAMP", 3};
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(outgoing_message(event).message_id);
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace allocation::adapters
