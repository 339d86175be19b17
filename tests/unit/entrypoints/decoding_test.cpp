#include "allocation/entrypoints/decoding.hpp"

#include <gtest/gtest.h>

namespace allocation::entrypoints {
namespace {

using domain::commands::ChangeBatchQuantity;

TEST(BrokerMessage, CarriesItsIdWhenItHasOne) {
  const auto message =
      decode_change_batch_quantity_message(R"({"batchref": "b1", "qty": 5, "message_id": "m-1"})");
  EXPECT_EQ(message.command, (ChangeBatchQuantity{"b1", 5}));
  EXPECT_EQ(message.message_id, "m-1");
}

TEST(BrokerMessage, AnIdThatIsNotTextIsIgnored) {
  const auto message =
      decode_change_batch_quantity_message(R"({"batchref": "b1", "qty": 0, "message_id": 7})");
  EXPECT_EQ(message.command, (ChangeBatchQuantity{"b1", 0}));
  EXPECT_EQ(message.message_id, std::nullopt);
}

TEST(BrokerMessage, NamesTheBatchBatchref) {
  try {
    decode_change_batch_quantity_message(R"({"ref": "b1", "qty": 5})");
    FAIL() << "decoded a message without batchref";
  } catch (const BadRequest& error) {
    EXPECT_STREQ(error.what(), "missing field 'batchref'");
  }
}

TEST(HttpBody, ChangeBatchQuantityNamesTheBatchRef) {
  EXPECT_EQ(decode_change_batch_quantity(R"({"ref": "b1", "qty": 5})"),
            (ChangeBatchQuantity{"b1", 5}));
  EXPECT_THROW(decode_change_batch_quantity(R"({"batchref": "b1", "qty": 5})"), BadRequest);
}

// Found by fuzz/http_body_fuzzer: nlohmann throws out_of_range, not parse_error, for these.
TEST(HttpBody, ANumberBeyondADoubleIsMalformedJson) {
  for (const char* body : {R"({"orderid": "o1", "sku": "LAMP", "qty": 1.5e311})", "9e0444"}) {
    try {
      decode_allocate(body);
      FAIL() << body;
    } catch (const BadRequest& error) {
      EXPECT_TRUE(std::string(error.what()).starts_with("malformed JSON: number overflow"))
          << error.what();
    }
  }
}

}  // namespace
}  // namespace allocation::entrypoints
