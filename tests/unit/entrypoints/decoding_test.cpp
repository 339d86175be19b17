#include "allocation/entrypoints/decoding.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

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

std::string repeated(const std::string& piece, int times) {
  std::string text;
  for (int i = 0; i < times; ++i) text += piece;
  return text;
}

std::string refusal(const std::function<void()>& decode) {
  try {
    decode();
  } catch (const BadRequest& error) {
    return error.what();
  }
  return "accepted";
}

// The limit is 255 characters, as the message says, not 255 bytes.
TEST(Identifier, LengthIsCountedInCharacters) {
  const std::string e_acute = "\xC3\xA9";
  EXPECT_NO_THROW(check_identifier(repeated(e_acute, 255), "ref"));
  EXPECT_NO_THROW(check_identifier(repeated("\xF0\x9F\x93\xA6", 255), "ref"));  // 4 bytes each
  EXPECT_EQ(refusal([&] { check_identifier(repeated(e_acute, 256), "ref"); }),
            "field 'ref' is longer than 255 characters");
  EXPECT_EQ(refusal([&] { check_identifier(std::string(256, 'x'), "ref"); }),
            "field 'ref' is longer than 255 characters");
  EXPECT_EQ(refusal([&] { check_identifier(std::string(100'000, 'x'), "ref"); }),
            "field 'ref' is longer than 255 characters");
  EXPECT_EQ(code_points("a" + e_acute + "\xF0\x9F\x93\xA6"), 3u);
}

TEST(Identifier, ATruncatedCharacterIsNotUtf8) {
  EXPECT_EQ(refusal([] { check_identifier("ab\xC3", "sku"); }), "field 'sku' must be UTF-8");
}

// nlohmann keeps the last of two equal keys: which one the client meant is unknown.
TEST(HttpBody, AKeyTwiceInAnObjectIsRefused) {
  EXPECT_EQ(
      refusal([] { decode_allocate(R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "qty": 5})"); }),
      "duplicate key 'qty' in a JSON object");
  EXPECT_EQ(
      refusal([] {
        decode_allocate(R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "x": {"a": 1, "a": 2}})");
      }),
      "duplicate key 'a' in a JSON object");
  // The same key in two objects is no duplicate.
  EXPECT_EQ(decode_allocate(R"({"orderid": "o1", "x": {"sku": 1}, "sku": "LAMP", "qty": 1})").sku,
            "LAMP");
}

TEST(HttpBody, AnEmptyBodyIsNamed) {
  EXPECT_EQ(refusal([] { decode_allocate(""); }), "the body is empty: expected a JSON object");
}

TEST(MovementsQuery, DefaultsToThePageFromTheStartOf100) {
  const auto query = decode_movements_query(std::nullopt, std::nullopt);
  EXPECT_EQ(query.after, 0);
  EXPECT_EQ(query.limit, 100);
  EXPECT_EQ(decode_movements_query("42", "1000").after, 42);
  EXPECT_EQ(decode_movements_query("0", "1").limit, 1);
}

TEST(MovementsQuery, EachBadValueIsRefusedNamingItsParameter) {
  for (const char* after : {"", "-1", "+1", "1.5", "1e3", " 1", "abc", "99999999999999999999"}) {
    EXPECT_EQ(refusal([&] { decode_movements_query(after, std::nullopt); }),
              "query parameter 'after' must be a whole number >= 0")
        << after;
  }
  for (const char* limit : {"", "0", "1001", "-5", "ten", "10.0"}) {
    EXPECT_EQ(refusal([&] { decode_movements_query(std::nullopt, limit); }),
              "query parameter 'limit' must be a whole number from 1 to 1000")
        << limit;
  }
}

}  // namespace
}  // namespace allocation::entrypoints
