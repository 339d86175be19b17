#include "allocation/entrypoints/decoding.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace allocation::entrypoints {
namespace {

using domain::commands::Allocate;
using domain::commands::ChangeBatchQuantity;
using domain::commands::ExtendReservation;
using domain::commands::Reserve;

TEST(BrokerMessage, CarriesItsIdWhenItHasOne) {
  EXPECT_EQ(
      decode_change_batch_quantity_message(R"({"batchref": "b1", "qty": 5, "message_id": "m-1"})"),
      (ChangeBatchQuantity{"b1", 5, "m-1"}));
}

TEST(BrokerMessage, AnIdThatIsNotTextIsIgnored) {
  EXPECT_EQ(
      decode_change_batch_quantity_message(R"({"batchref": "b1", "qty": 0, "message_id": 7})"),
      (ChangeBatchQuantity{"b1", 0}));
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
  // The same key in two objects is no duplicate (a broker's message may carry more fields).
  EXPECT_EQ(
      decode_change_batch_quantity_message(R"({"batchref": "b1", "x": {"qty": 1}, "qty": 5})").qty,
      5);
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

// Found by fuzz/page_query_fuzzer and fuzz/batch_csv_fuzzer: a whole number of more than 18
// characters was refused whatever its value, so the largest seqs, and small numbers written
// with leading zeros, were refused.
TEST(MovementsQuery, AnyWholeNumberUpToTheLargestSeqIsAccepted) {
  EXPECT_EQ(decode_movements_query("9223372036854775807", std::nullopt).after,
            std::numeric_limits<long long>::max());
  EXPECT_EQ(decode_movements_query("1000000000000000000", std::nullopt).after,
            1'000'000'000'000'000'000);
  EXPECT_EQ(decode_movements_query("0000000000000000000042", std::nullopt).after, 42);
  EXPECT_EQ(decode_movements_query(std::nullopt, "00000000000000000001000").limit, 1000);
  EXPECT_EQ(refusal([] { decode_movements_query("9223372036854775808", std::nullopt); }),
            "query parameter 'after' must be a whole number >= 0");
  EXPECT_EQ(decode_products_query(std::nullopt, "0000000000000000000005").limit, 5);
  EXPECT_EQ(decode_batch_row({"b1", "LAMP", "0000000000000000000007", "", "", ""}).qty, 7);
}

TEST(Reserve, DecodesEveryField) {
  EXPECT_EQ(decode_reserve(R"({"id": "h1", "sku": "LAMP", "qty": 3, "ttl_s": 60})"),
            (Reserve{"h1", "LAMP", 3, std::chrono::seconds(60)}));
}

TEST(Reserve, WithoutIdTheServiceMakesOneAndWithoutTtlItIs900Seconds) {
  EXPECT_EQ(decode_reserve(R"({"sku": "LAMP", "qty": 1})"),
            (Reserve{std::nullopt, "LAMP", 1, std::chrono::seconds(900)}));
  EXPECT_EQ(kDefaultTtlSeconds, 900);
}

TEST(Reserve, TtlBoundsAreTaken) {
  EXPECT_EQ(decode_reserve(R"({"sku": "LAMP", "qty": 1, "ttl_s": 1})").ttl,
            std::chrono::seconds(1));
  EXPECT_EQ(decode_reserve(R"({"sku": "LAMP", "qty": 1, "ttl_s": 86400})").ttl,
            std::chrono::seconds(86400));
}

TEST(Reserve, EachBadTtlIsRefusedNamingIt) {
  for (const char* ttl :
       {"0", "-1", "86401", "4294967297", "-9223372036854775808", "18446744073709551615"}) {
    EXPECT_EQ(refusal([&] {
                decode_reserve(std::string(R"({"sku": "LAMP", "qty": 1, "ttl_s": )") + ttl + "}");
              }),
              "field 'ttl_s' is out of range: 1..86400 seconds")
        << ttl;
  }
  for (const char* ttl : {R"("900")", "1.5", "900.0", "null", "true", "[]", "{}"}) {
    EXPECT_EQ(refusal([&] {
                decode_reserve(std::string(R"({"sku": "LAMP", "qty": 1, "ttl_s": )") + ttl + "}");
              }),
              "field 'ttl_s' must be an integer, 1..86400 seconds")
        << ttl;
  }
}

TEST(Reserve, EachBadFieldIsRefusedNamingIt) {
  EXPECT_EQ(refusal([] { decode_reserve(R"({"sku": "LAMP", "qty": 0})"); }),
            "field 'qty' must be > 0");
  EXPECT_EQ(refusal([] { decode_reserve(R"({"sku": "LAMP", "qty": -1})"); }),
            "field 'qty' must be > 0");
  EXPECT_EQ(refusal([] { decode_reserve(R"({"sku": "LAMP", "qty": "1"})"); }),
            "field 'qty' must be an integer");
  EXPECT_EQ(refusal([] { decode_reserve(R"({"sku": "LAMP"})"); }), "missing field 'qty'");
  EXPECT_EQ(refusal([] { decode_reserve(R"({"qty": 1})"); }), "missing field 'sku'");
  EXPECT_EQ(refusal([] { decode_reserve(R"({"id": "", "sku": "LAMP", "qty": 1})"); }),
            "field 'id' must not be empty");
  EXPECT_EQ(refusal([] { decode_reserve(R"({"id": 7, "sku": "LAMP", "qty": 1})"); }),
            "field 'id' must be a string");
  EXPECT_EQ(refusal([] { decode_reserve(R"({"id": null, "sku": "LAMP", "qty": 1})"); }),
            "field 'id' must be a string");
  EXPECT_EQ(refusal([] {
              decode_reserve(R"({"id": ")" + repeated("\xC3\xA9", 256) +
                             R"(", "sku": "LAMP", "qty": 1})");
            }),
            "field 'id' is longer than 255 characters");
  EXPECT_EQ(
      decode_reserve(R"({"id": ")" + repeated("\xC3\xA9", 255) + R"(", "sku": "LAMP", "qty": 1})")
          .id,
      repeated("\xC3\xA9", 255));
  EXPECT_NE(refusal([] {
              decode_reserve(R"({"id": "h\u0001", "sku": "LAMP", "qty": 1})");
            }).find("field 'id' must not contain control"),
            std::string::npos);
  EXPECT_EQ(
      refusal([] { decode_reserve(R"({"sku": "LAMP", "qty": 1, "ttl_s": 60, "ttl_s": 61})"); }),
      "duplicate key 'ttl_s' in a JSON object");
}

TEST(ExtendReservation, TakesTheIdFromThePathAndTheTtlFromTheBody) {
  EXPECT_EQ(decode_extend_reservation("h1", R"({"ttl_s": 120})"),
            (ExtendReservation{"h1", std::chrono::seconds(120)}));
}

TEST(ExtendReservation, TheTtlIsRequiredAndBounded) {
  EXPECT_EQ(refusal([] { decode_extend_reservation("h1", "{}"); }), "missing field 'ttl_s'");
  EXPECT_EQ(refusal([] { decode_extend_reservation("h1", R"({"ttl_s": 0})"); }),
            "field 'ttl_s' is out of range: 1..86400 seconds");
  EXPECT_EQ(refusal([] { decode_extend_reservation("h1", R"({"ttl_s": 86401})"); }),
            "field 'ttl_s' is out of range: 1..86400 seconds");
  EXPECT_EQ(refusal([] { decode_extend_reservation("h1", R"({"ttl_s": null})"); }),
            "field 'ttl_s' must be an integer, 1..86400 seconds");
  EXPECT_EQ(refusal([] { decode_extend_reservation("h1", ""); }),
            "the body is empty: expected a JSON object");
  EXPECT_EQ(refusal([] { decode_extend_reservation("h1", "[]"); }),
            "the body must be a JSON object");
}

TEST(Allocate, TheReservationIsOptionalAndAnId) {
  EXPECT_EQ(decode_allocate(R"({"orderid": "o1", "sku": "LAMP", "qty": 1})").reservation,
            std::nullopt);
  EXPECT_EQ(decode_allocate(R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "reservation": "h1"})"),
            (Allocate{"o1", "LAMP", 1, "h1"}));
  EXPECT_EQ(refusal([] {
              decode_allocate(R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "reservation": 7})");
            }),
            "field 'reservation' must be a string");
  EXPECT_EQ(refusal([] {
              decode_allocate(R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "reservation": ""})");
            }),
            "field 'reservation' must not be empty");
}

// A misspelt optional field would otherwise be left out without a word.
TEST(HttpBody, AFieldTheBodyDoesNotHaveIsRefusedNamingTheOnesItHas) {
  EXPECT_EQ(refusal([] {
              decode_allocate(R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "reservaton": "h1"})");
            }),
            "unknown field 'reservaton': an allocation has 'orderid', 'sku', 'qty', "
            "'reservation', 'warehouse' and 'split'");
  EXPECT_EQ(refusal([] { decode_reserve(R"({"sku": "LAMP", "qty": 1, "ttl": 60})"); }),
            "unknown field 'ttl': a hold has 'id', 'sku', 'qty' and 'ttl_s'");
  EXPECT_EQ(refusal([] { decode_extend_reservation("h1", R"({"ttl_s": 60, "x": 1})"); }),
            "unknown field 'x': an extension has 'ttl_s'");
  EXPECT_EQ(
      refusal([] { decode_create_batch(R"({"ref": "b1", "sku": "LAMP", "qty": 1, "e": 1})"); }),
      "unknown field 'e': a batch has 'ref', 'sku', 'qty', 'eta', 'warehouse' and 'expires'");
  EXPECT_EQ(refusal([] { decode_deallocate(R"({"orderid": "o1", "sku": "LAMP", "qty": 1})"); }),
            "unknown field 'qty': a deallocation has 'orderid' and 'sku'");
  EXPECT_EQ(refusal([] { decode_set_warehouse_priority("north", R"({"rank": 1})"); }),
            "unknown field 'rank': a warehouse has 'priority'");
  // Every field a body has, all at once, is taken.
  EXPECT_EQ(decode_allocate(R"({"orderid": "o1", "sku": "LAMP", "qty": 2, "reservation": "h1",)"
                            R"( "warehouse": "north", "split": true})")
                .qty,
            2);
  EXPECT_EQ(decode_create_batch(R"({"ref": "b1", "sku": "LAMP", "qty": 1, "eta": null,)"
                                R"( "warehouse": "north", "expires": "2030-01-01"})")
                .warehouse,
            "north");
}

TEST(BatchRow, EmptyOptionalColumnsMeanNoEtaMainAndKeeps) {
  const auto batch = decode_batch_row({"b1", "LAMP", "10", "", "", ""});
  EXPECT_EQ(batch,
            (domain::commands::CreateBatch{"b1", "LAMP", 10, std::nullopt, "main", std::nullopt}));
  const auto full = decode_batch_row({"b2", "LAMP", "0", "2026-12-31", "north", "2027-01-31"});
  EXPECT_EQ(full.qty, 0);
  EXPECT_EQ(full.eta, domain::parse_date("2026-12-31"));
  EXPECT_EQ(full.warehouse, "north");
  EXPECT_EQ(full.expires, domain::parse_date("2027-01-31"));
}

TEST(BatchRow, EachBadFieldIsRefusedNamingItsColumn) {
  const std::string qty = "column 'qty' must be a whole number from 0 to 2147483647";
  const std::vector<std::pair<BatchRow, std::string>> cases = {
      {{"", "LAMP", "1", "", "", ""}, "column 'ref' must not be empty"},
      {{"b1", "", "1", "", "", ""}, "column 'sku' must not be empty"},
      {{"b1", std::string(256, 's'), "1", "", "", ""},
       "column 'sku' is longer than 255 characters"},
      {{"b\x01", "LAMP", "1", "", "", ""}, "column 'ref' must not contain control characters"},
      {{"b1", "LAMP", "", "", "", ""}, qty},
      {{"b1", "LAMP", "-1", "", "", ""}, qty},
      {{"b1", "LAMP", "1.5", "", "", ""}, qty},
      {{"b1", "LAMP", "2147483648", "", "", ""}, qty},
      {{"b1", "LAMP", "99999999999999999999", "", "", ""}, qty},
      {{"b1", "LAMP", "1", "2026-02-30", "", ""},
       "column 'eta' must be a real date YYYY-MM-DD, or empty"},
      {{"b1", "LAMP", "1", "", "", "tomorrow"},
       "column 'expires' must be a real date YYYY-MM-DD, or empty"},
      {{"b1", "LAMP", "1", "", "\x7f", ""},
       "column 'warehouse' must not contain control characters"},
  };
  for (const auto& [row, message] : cases) {
    EXPECT_EQ(refusal([&] { (void)decode_batch_row(row); }), message) << row.ref << row.qty;
  }
  EXPECT_EQ(decode_batch_row({"b1", "LAMP", "2147483647", "", "", ""}).qty, 2147483647);
}

}  // namespace
}  // namespace allocation::entrypoints
