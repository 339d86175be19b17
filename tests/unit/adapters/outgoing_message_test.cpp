#include "allocation/adapters/outgoing_message.hpp"

#include <gtest/gtest.h>

#include <string>

namespace allocation::adapters {
namespace {

using domain::events::Allocated;

// The bytes other systems receive. Consumers may compare or hash them, so they are pinned here:
// compact JSON, keys in alphabetical order, the message id among them.
TEST(OutgoingMessage, AnAllocationIsItsFieldsAndItsIdAsCompactJsonWithSortedKeys) {
  const auto message = outgoing_message(Allocated{"o1", "LAMP", 3, "wh"}).value();
  EXPECT_EQ(message.channel, "line_allocated");
  EXPECT_EQ(message.payload, R"({"batchref":"wh","message_id":")" + message.message_id +
                                 R"(","orderid":"o1","qty":3,"sku":"LAMP"})");
}

TEST(OutgoingMessage, StringsAreEscapedAndInvalidUtf8IsReplaced) {
  const auto message = outgoing_message(Allocated{"o\"1\n", "L\xff", 1, "b\\"}).value();
  EXPECT_EQ(message.payload, R"({"batchref":"b\\","message_id":")" + message.message_id +
                                 R"(","orderid":"o\"1\n","qty":1,"sku":"L)"
                                 "\xEF\xBF\xBD"
                                 R"("})");
}

TEST(OutgoingMessage, EachMessageHasAnIdOfItsOwn) {
  const auto first = outgoing_message(Allocated{"o1", "LAMP", 3, "wh"}).value();
  const auto second = outgoing_message(Allocated{"o1", "LAMP", 3, "wh"}).value();
  EXPECT_EQ(first.message_id.size(), 32u);
  EXPECT_EQ(first.message_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(first.message_id, second.message_id);
}

TEST(OutgoingMessage, AnEventThatStaysInsideIsNone) {
  EXPECT_FALSE(outgoing_message(domain::events::Backordered{"o1", "LAMP", 3}));
  EXPECT_FALSE(outgoing_message(domain::events::BatchAdded{"LAMP", "b1", 3}));
}

}  // namespace
}  // namespace allocation::adapters
