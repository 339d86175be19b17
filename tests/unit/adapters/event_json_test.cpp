#include "allocation/adapters/event_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace allocation::adapters {
namespace {

using nlohmann::json;
using Payload = std::vector<service_layer::PayloadField>;

TEST(EventJson, IsThePayloadsFieldsAndTheMessageId) {
  const Payload payload = {{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 3}, {"batchref", "b1"}};
  EXPECT_EQ(json::parse(to_json(payload, "m1")), (json{{"orderid", "o1"},
                                                       {"sku", "LAMP"},
                                                       {"qty", 3},
                                                       {"batchref", "b1"},
                                                       {"message_id", "m1"}}));
}

TEST(EventJson, IsOneCompactLineWithKeysInAlphabeticalOrder) {
  const Payload payload = {{"orderid", "o1"}, {"sku", "LAMP"}, {"qty", 3}, {"batchref", "b1"}};
  EXPECT_EQ(to_json(payload, "m1"),
            R"({"batchref":"b1","message_id":"m1","orderid":"o1","qty":3,"sku":"LAMP"})");
}

TEST(EventJson, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string odd = "a\"b\\c\nd";
  const auto text = to_json(Payload{{"sku", odd}}, "m4");
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  EXPECT_EQ(json::parse(text).at("sku"), odd);
}

TEST(EventJson, KeepsUtf8AndReplacesInvalidBytesInsteadOfFailing) {
  EXPECT_EQ(json::parse(to_json(Payload{{"sku", "L\u00c4MP"}}, "m5")).at("sku"), "L\u00c4MP");
  const auto text = to_json(Payload{{"sku",
                                     "L\xff"
                                     "MP"}},
                            "m6");
  EXPECT_EQ(json::parse(text).at("sku"), "L\ufffdMP");
}

}  // namespace
}  // namespace allocation::adapters
