#include "allocation/adapters/event_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace allocation::adapters {
namespace {

using nlohmann::json;
namespace events = domain::events;

TEST(EventJson, AllocatedIsItsLineItsBatchAndTheMessageId) {
  const auto payload = to_json(events::Allocated{"o1", "LAMP", 3, "b1"}, "m1");
  EXPECT_EQ(json::parse(payload), (json{{"orderid", "o1"},
                                        {"sku", "LAMP"},
                                        {"qty", 3},
                                        {"batchref", "b1"},
                                        {"message_id", "m1"}}));
}

TEST(EventJson, DeallocatedIsItsLineAndTheMessageId) {
  const auto payload = to_json(events::Deallocated{"o1", "LAMP", 3}, "m2");
  EXPECT_EQ(json::parse(payload),
            (json{{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 3}, {"message_id", "m2"}}));
}

TEST(EventJson, OutOfStockIsItsSkuAndTheMessageId) {
  const auto payload = to_json(events::OutOfStock{"LAMP"}, "m3");
  EXPECT_EQ(json::parse(payload), (json{{"sku", "LAMP"}, {"message_id", "m3"}}));
}

TEST(EventJson, IsOneCompactLineWithKeysInAlphabeticalOrder) {
  EXPECT_EQ(to_json(events::Allocated{"o1", "LAMP", 3, "b1"}, "m1"),
            R"({"batchref":"b1","message_id":"m1","orderid":"o1","qty":3,"sku":"LAMP"})");
}

TEST(EventJson, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string odd = "a\"b\\c\nd";
  const auto payload = to_json(events::OutOfStock{odd}, "m4");
  EXPECT_EQ(payload.find('\n'), std::string::npos) << payload;
  EXPECT_EQ(json::parse(payload).at("sku"), odd);
}

TEST(EventJson, KeepsUtf8AndReplacesInvalidBytesInsteadOfFailing) {
  EXPECT_EQ(json::parse(to_json(events::OutOfStock{"L\u00c4MP"}, "m5")).at("sku"), "L\u00c4MP");
  const auto payload = to_json(events::OutOfStock{"L\xff"
                                                  "MP"},
                               "m6");
  EXPECT_EQ(json::parse(payload).at("sku"), "L\ufffdMP");
}

}  // namespace
}  // namespace allocation::adapters
