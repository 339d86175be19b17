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
  EXPECT_EQ(decode_change_batch_quantity(R"({"ref": "b1", "qty": 5})"), (ChangeBatchQuantity{"b1", 5}));
  EXPECT_THROW(decode_change_batch_quantity(R"({"batchref": "b1", "qty": 5})"), BadRequest);
}

}  // namespace
}  // namespace allocation::entrypoints
