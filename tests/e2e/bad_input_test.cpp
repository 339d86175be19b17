#include "e2e/e2e_test.hpp"

namespace allocation::testing {
namespace {

struct BadRequestCase {
  const char* name;
  const char* method;
  std::string path;
  std::string body;
  int status;
  const char* message_part;  // what the message must say, e.g. the field's name
  const char* content_type = "application/json";
};

// Each case: the status, a JSON message saying what was wrong, nothing changed, and the server
// still serves.
const std::vector<BadRequestCase>& cases() {
  static const std::string long_id(256, 'x');
  // 256 characters of 2 bytes each: the limit counts code points.
  static const std::string long_wide_id = [] {
    std::string id;
    for (int i = 0; i < 256; ++i) id += "\xC3\xA9";
    return id;
  }();
  static const std::vector<BadRequestCase> all = {
      {"malformed_json", "POST", "/allocate", R"({"orderid": "o1",)", 400, "malformed JSON"},
      {"empty_body", "POST", "/allocate", "", 400, "the body is empty"},
      {"duplicate_key", "POST", "/allocate",
       R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "qty": 2})", 400, "duplicate key 'qty'"},
      {"form_body", "POST", "/allocate", "orderid=o1&sku=LAMP&qty=1", 415,
       "unsupported Content-Type 'application/x-www-form-urlencoded'",
       "application/x-www-form-urlencoded"},
      {"text_body", "POST", "/add_batch", R"({"ref": "b9", "sku": "LAMP", "qty": 1})", 415,
       "send application/json", "text/plain"},
      {"latin1_body", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP", "qty": 1})", 415,
       "charset=latin1", "application/json; charset=latin1"},
      // Found by the fuzzer: a number beyond a double was a 500.
      {"number_overflow", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP", "qty": 1e400})",
       400, "number overflow"},
      {"array_body", "POST", "/allocate", "[]", 400, "JSON object"},
      {"string_body", "POST", "/allocate", R"("o1")", 400, "JSON object"},
      {"null_body", "POST", "/allocate", "null", 400, "JSON object"},
      {"missing_orderid", "POST", "/allocate", R"({"sku": "LAMP", "qty": 1})", 400, "'orderid'"},
      {"missing_sku", "POST", "/allocate", R"({"orderid": "o1", "qty": 1})", 400, "'sku'"},
      {"missing_qty", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP"})", 400, "'qty'"},
      {"string_qty", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP", "qty": "3"})", 400,
       "'qty' must be an integer"},
      {"float_qty", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP", "qty": 1.5})", 400,
       "'qty' must be an integer"},
      {"null_qty", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP", "qty": null})", 400,
       "'qty' must be an integer"},
      {"bool_qty", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP", "qty": true})", 400,
       "'qty' must be an integer"},
      {"numeric_sku", "POST", "/allocate", R"({"orderid": "o1", "sku": 42, "qty": 1})", 400,
       "'sku' must be a string"},
      {"null_orderid", "POST", "/allocate", R"({"orderid": null, "sku": "LAMP", "qty": 1})", 400,
       "'orderid' must be a string"},
      {"zero_qty", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP", "qty": 0})", 400,
       "'qty' must be > 0"},
      {"negative_qty", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP", "qty": -3})", 400,
       "'qty' must be > 0"},
      {"huge_qty", "POST", "/allocate", R"({"orderid": "o1", "sku": "LAMP", "qty": 2147483648})",
       400, "'qty' is out of range"},
      {"enormous_qty", "POST", "/allocate",
       R"({"orderid": "o1", "sku": "LAMP", "qty": 99999999999999999999999})", 400,
       "'qty' must be an integer"},
      {"hugely_negative_qty", "POST", "/allocate",
       R"({"orderid": "o1", "sku": "LAMP", "qty": -9223372036854775808})", 400,
       "'qty' must be > 0"},
      {"empty_orderid", "POST", "/allocate", R"({"orderid": "", "sku": "LAMP", "qty": 1})", 400,
       "'orderid' must not be empty"},
      {"empty_sku", "POST", "/allocate", R"({"orderid": "o1", "sku": "", "qty": 1})", 400,
       "'sku' must not be empty"},
      {"long_orderid", "POST", "/allocate",
       R"({"orderid": ")" + long_id + R"(", "sku": "LAMP", "qty": 1})", 400,
       "'orderid' is longer than 255"},
      {"control_character", "POST", "/allocate",
       R"({"orderid": "o\u0000", "sku": "LAMP", "qty": 1})", 400,
       "'orderid' must not contain control"},
      {"not_utf8", "POST", "/allocate",
       "{\"orderid\": \"o\xff\xfe\", \"sku\": \"LAMP\", \"qty\": 1}", 400, "malformed JSON"},
      {"batch_missing_ref", "POST", "/add_batch", R"({"sku": "LAMP", "qty": 1})", 400, "'ref'"},
      {"batch_missing_sku", "POST", "/add_batch", R"({"ref": "b9", "qty": 1})", 400,
       "missing field 'sku'"},
      {"batch_missing_qty", "POST", "/add_batch", R"({"ref": "b9", "sku": "LAMP"})", 400,
       "missing field 'qty'"},
      {"batch_string_qty", "POST", "/add_batch", R"({"ref": "b9", "sku": "LAMP", "qty": "1"})", 400,
       "'qty' must be an integer"},
      {"batch_empty_ref", "POST", "/add_batch", R"({"ref": "", "sku": "LAMP", "qty": 1})", 400,
       "'ref' must not be empty"},
      {"change_missing_ref", "POST", "/change_batch_quantity", R"({"qty": 5})", 400,
       "missing field 'ref'"},
      {"change_float_qty", "POST", "/change_batch_quantity", R"({"ref": "b1", "qty": 2.5})", 400,
       "'qty' must be an integer"},
      {"batch_negative_qty", "POST", "/add_batch", R"({"ref": "b9", "sku": "LAMP", "qty": -1})",
       400, "'qty' must be >= 0"},
      {"batch_impossible_date", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "eta": "2030-02-30"})", 400,
       "'eta' must be a real date"},
      {"batch_malformed_date", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "eta": "tomorrow"})", 400,
       "'eta' must be a real date"},
      {"batch_numeric_date", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "eta": 20300101})", 400, "'eta' must be a date"},
      {"batch_time_in_date", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "eta": "2030-01-01T10:00:00"})", 400,
       "'eta' must be a real date"},
      {"batch_conflict", "POST", "/add_batch", R"({"ref": "b1", "sku": "LAMP", "qty": 11})", 409,
       "b1"},
      {"change_missing_qty", "POST", "/change_batch_quantity", R"({"ref": "b1"})", 400, "'qty'"},
      {"change_negative_qty", "POST", "/change_batch_quantity", R"({"ref": "b1", "qty": -5})", 400,
       "'qty' must be >= 0"},
      {"change_unknown_batch", "POST", "/change_batch_quantity", R"({"ref": "nope", "qty": 5})",
       404, "nope"},
      {"too_large", "POST", "/allocate", std::string(70 * 1024, ' '), 413, "too large"},
      {"unknown_route", "GET", "/nowhere", "", 404, "not found"},
      {"unknown_route_with_body", "POST", "/nope", R"({"orderid": "o1"})", 404, "not found"},
      {"unknown_route_without_body", "POST", "/nope", "", 404, "not found"},
      {"put_health", "PUT", "/health", "", 405, "GET"},
      {"put_health_with_form", "PUT", "/health", "a=1", 405, "GET", "text/plain"},
      {"wrong_method_allocate", "GET", "/allocate", "", 405, "POST"},
      {"wrong_method_add_batch", "PUT", "/add_batch", "", 405, "POST"},
      {"wrong_method_allocations", "POST", "/allocations/o1", "{}", 405, "GET"},
      {"delete_allocations", "DELETE", "/allocations/o1", "", 405, "GET"},
      {"long_orderid_in_path", "GET", "/allocations/" + long_id, "", 400,
       "'orderid' is longer than 255"},
      {"deallocate_missing_sku", "POST", "/deallocate", R"({"orderid": "o0"})", 400,
       "missing field 'sku'"},
      {"deallocate_numeric_orderid", "POST", "/deallocate", R"({"orderid": 7, "sku": "LAMP"})", 400,
       "'orderid' must be a string"},
      {"deallocate_unknown_line", "POST", "/deallocate", R"({"orderid": "o9", "sku": "LAMP"})", 404,
       "order o9 has no line of LAMP"},
      {"deallocate_unknown_sku", "POST", "/deallocate", R"({"orderid": "o0", "sku": "NOPE"})", 404,
       "order o0 has no line of NOPE"},
      {"delete_deallocate", "DELETE", "/deallocate", "", 405, "POST"},
      {"policy_string_backorders", "PATCH", "/products/LAMP", R"({"backorders": "yes"})", 400,
       "'backorders' must be true or false"},
      {"policy_negative_threshold", "PATCH", "/products/LAMP", R"({"low_stock_threshold": -1})",
       400, "'low_stock_threshold' must be >= 0"},
      {"policy_float_threshold", "PATCH", "/products/LAMP", R"({"low_stock_threshold": 2.5})", 400,
       "'low_stock_threshold' must be an integer"},
      {"policy_unknown_field", "PATCH", "/products/LAMP", R"({"backorder": true})", 400,
       "unknown field 'backorder'"},
      {"policy_array", "PATCH", "/products/LAMP", "[]", 400, "JSON object"},
      {"policy_empty_body", "PATCH", "/products/LAMP", "", 400, "the body is empty"},
      {"policy_unknown_sku", "PATCH", "/products/NOPE", R"({"backorders": true})", 404,
       "unknown sku NOPE"},
      {"policy_long_sku", "PATCH", "/products/" + long_id, R"({"backorders": true})", 400,
       "'sku' is longer than 255"},
      {"cancel_unknown_order", "POST", "/orders/o9/cancel", "", 404, "no order o9"},
      {"cancel_long_orderid", "POST", "/orders/" + long_id + "/cancel", "", 400,
       "'orderid' is longer than 255"},
      {"get_cancel", "GET", "/orders/o0/cancel", "", 405, "POST"},
      {"order_unknown", "GET", "/orders/o9", "", 404, "no order o9"},
      {"order_control_character", "GET", "/orders/a%01b", "", 400, "control characters"},
      {"post_order", "POST", "/orders/o0", "{}", 405, "GET"},
      {"movements_negative_after", "GET", "/products/LAMP/movements?after=-1", "", 400,
       "'after' must be a whole number"},
      {"movements_word_after", "GET", "/products/LAMP/movements?after=abc", "", 400,
       "'after' must be a whole number"},
      {"movements_empty_after", "GET", "/products/LAMP/movements?after=", "", 400,
       "'after' must be a whole number"},
      {"movements_huge_after", "GET", "/products/LAMP/movements?after=99999999999999999999", "",
       400, "'after' must be a whole number"},
      {"movements_zero_limit", "GET", "/products/LAMP/movements?limit=0", "", 400,
       "'limit' must be a whole number from 1 to 1000"},
      {"movements_large_limit", "GET", "/products/LAMP/movements?limit=1001", "", 400,
       "'limit' must be a whole number from 1 to 1000"},
      {"movements_float_limit", "GET", "/products/LAMP/movements?limit=1.5", "", 400,
       "'limit' must be a whole number from 1 to 1000"},
      {"movements_unknown_sku", "GET", "/products/NOPE/movements", "", 404, "unknown sku NOPE"},
      {"movements_long_sku", "GET", "/products/" + long_id + "/movements", "", 400,
       "'sku' is longer than 255"},
      {"movements_post", "POST", "/products/LAMP/movements", "{}", 405, "GET"},
      {"products_zero_limit", "GET", "/products?limit=0", "", 400,
       "query parameter 'limit' must be a whole number from 1 to 1000"},
      {"products_large_limit", "GET", "/products?limit=1001", "", 400, "from 1 to 1000"},
      {"products_word_limit", "GET", "/products?limit=ten", "", 400, "'limit'"},
      {"products_empty_after", "GET", "/products?after=", "", 400,
       "query parameter 'after' must not be empty"},
      {"products_long_after", "GET", "/products?after=" + long_id, "", 400,
       "query parameter 'after' is longer than 255"},
      {"products_control_after", "GET", "/products?after=%01", "", 400,
       "query parameter 'after' must not contain control characters"},
      {"products_post", "POST", "/products", "{}", 405, "GET"},
      {"batch_unknown", "GET", "/batches/nope", "", 404, "unknown batch nope"},
      {"batch_long_ref", "GET", "/batches/" + long_id, "", 400, "'ref' is longer than 255"},
      {"batch_delete", "DELETE", "/batches/b1", "", 405, "GET"},
      // Holds (SPEC §7.3). h0 holds 1 LAMP (SetUp).
      {"reserve_zero_ttl", "POST", "/reservations", R"({"sku": "LAMP", "qty": 1, "ttl_s": 0})", 400,
       "field 'ttl_s' is out of range: 1..86400 seconds"},
      {"reserve_negative_ttl", "POST", "/reservations", R"({"sku": "LAMP", "qty": 1, "ttl_s": -1})",
       400, "field 'ttl_s' is out of range: 1..86400 seconds"},
      {"reserve_ttl_over_a_day", "POST", "/reservations",
       R"({"sku": "LAMP", "qty": 1, "ttl_s": 86401})", 400,
       "field 'ttl_s' is out of range: 1..86400 seconds"},
      {"reserve_string_ttl", "POST", "/reservations",
       R"({"sku": "LAMP", "qty": 1, "ttl_s": "900"})", 400, "field 'ttl_s' must be an integer"},
      {"reserve_float_ttl", "POST", "/reservations", R"({"sku": "LAMP", "qty": 1, "ttl_s": 1.5})",
       400, "field 'ttl_s' must be an integer"},
      {"reserve_null_ttl", "POST", "/reservations", R"({"sku": "LAMP", "qty": 1, "ttl_s": null})",
       400, "field 'ttl_s' must be an integer"},
      {"reserve_zero_qty", "POST", "/reservations", R"({"sku": "LAMP", "qty": 0})", 400,
       "field 'qty' must be > 0"},
      {"reserve_negative_qty", "POST", "/reservations", R"({"sku": "LAMP", "qty": -1})", 400,
       "field 'qty' must be > 0"},
      {"reserve_string_qty", "POST", "/reservations", R"({"sku": "LAMP", "qty": "1"})", 400,
       "field 'qty' must be an integer"},
      {"reserve_missing_sku", "POST", "/reservations", R"({"qty": 1})", 400, "missing field 'sku'"},
      {"reserve_unknown_sku", "POST", "/reservations", R"({"sku": "NOPE", "qty": 1})", 400,
       "Invalid sku NOPE"},
      {"reserve_long_id", "POST", "/reservations",
       R"({"id": ")" + long_wide_id + R"(", "sku": "LAMP", "qty": 1})", 400,
       "field 'id' is longer than 255 characters"},
      {"reserve_empty_id", "POST", "/reservations", R"({"id": "", "sku": "LAMP", "qty": 1})", 400,
       "field 'id' must not be empty"},
      {"reserve_control_character_in_id", "POST", "/reservations",
       R"({"id": "h\u0007", "sku": "LAMP", "qty": 1})", 400, "field 'id' must not contain control"},
      {"reserve_numeric_id", "POST", "/reservations", R"({"id": 7, "sku": "LAMP", "qty": 1})", 400,
       "field 'id' must be a string"},
      {"reserve_h0_with_another_qty", "POST", "/reservations",
       R"({"id": "h0", "sku": "LAMP", "qty": 2})", 409, "reservation h0"},
      {"reserve_more_than_the_stock", "POST", "/reservations", R"({"sku": "LAMP", "qty": 8})", 409,
       "no batch of LAMP can hold 8"},
      {"get_unknown_reservation", "GET", "/reservations/nope", "", 404, "no reservation nope"},
      {"get_long_reservation_id", "GET", "/reservations/" + long_id, "", 400,
       "'id' is longer than 255"},
      {"get_reservation_control_character", "GET", "/reservations/h%01", "", 400,
       "control characters"},
      {"put_reservation", "PUT", "/reservations/h0", "{}", 405, "DELETE, GET"},
      {"get_reservations", "GET", "/reservations", "", 405, "POST"},
      {"extend_unknown_reservation", "POST", "/reservations/nope/extend", R"({"ttl_s": 60})", 404,
       "no reservation nope"},
      {"extend_missing_ttl", "POST", "/reservations/h0/extend", "{}", 400, "missing field 'ttl_s'"},
      {"extend_zero_ttl", "POST", "/reservations/h0/extend", R"({"ttl_s": 0})", 400,
       "field 'ttl_s' is out of range"},
      {"extend_string_ttl", "POST", "/reservations/h0/extend", R"({"ttl_s": "60"})", 400,
       "field 'ttl_s' must be an integer"},
      // A misspelt optional field would be left out without a word: the allocation made while
      // h0 kept its units, the hold made for 900 s.
      {"allocate_misspelt_reservation", "POST", "/allocate",
       R"({"orderid": "o5", "sku": "LAMP", "qty": 1, "reservaton": "h0"})", 400,
       "unknown field 'reservaton': an allocation has 'orderid', 'sku', 'qty', 'reservation', "
       "'warehouse' and 'split'"},
      {"reserve_unknown_field", "POST", "/reservations", R"({"sku": "LAMP", "qty": 1, "ttl": 60})",
       400, "unknown field 'ttl': a hold has 'id', 'sku', 'qty' and 'ttl_s'"},
      {"extend_unknown_field", "POST", "/reservations/h0/extend", R"({"ttl_s": 60, "ttl": 5})", 400,
       "unknown field 'ttl': an extension has 'ttl_s'"},
      {"batch_unknown_field", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "etd": "2030-01-01"})", 400,
       "unknown field 'etd': a batch has 'ref', 'sku', 'qty', 'eta', 'warehouse' and 'expires'"},
      {"change_unknown_field", "POST", "/change_batch_quantity",
       R"({"ref": "b1", "qty": 5, "sku": "LAMP"})", 400,
       "unknown field 'sku': a change of quantity has 'ref' and 'qty'"},
      {"deallocate_unknown_field", "POST", "/deallocate",
       R"({"orderid": "o0", "sku": "LAMP", "qty": 1})", 400,
       "unknown field 'qty': a deallocation has 'orderid' and 'sku'"},
      {"extend_long_id", "POST", "/reservations/" + long_id + "/extend", R"({"ttl_s": 60})", 400,
       "'id' is longer than 255"},
      {"delete_unknown_reservation", "DELETE", "/reservations/nope", "", 404,
       "no reservation nope"},
      {"delete_long_reservation_id", "DELETE", "/reservations/" + long_id, "", 400,
       "'id' is longer than 255"},
      {"allocate_with_a_hold_of_another_sku", "POST", "/allocate",
       R"({"orderid": "o1", "sku": "DESK", "qty": 1, "reservation": "h0"})", 400,
       "reservation h0 is of sku LAMP, not DESK"},
      {"allocate_with_a_numeric_reservation", "POST", "/allocate",
       R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "reservation": 7})", 400,
       "field 'reservation' must be a string"},
      {"allocate_with_an_empty_reservation", "POST", "/allocate",
       R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "reservation": ""})", 400,
       "field 'reservation' must not be empty"},
      {"allocate_with_an_unknown_reservation", "POST", "/allocate",
       R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "reservation": "nope"})", 404,
       "no reservation nope"},
      // Warehouses and expiry dates (SPEC §6). east is ranked 5 (SetUp).
      {"priority_above_32_bits", "PUT", "/warehouses/east", R"({"priority": 2147483648})", 400,
       "field 'priority' is out of range (-2147483648 to 2147483647)"},
      {"priority_below_32_bits", "PUT", "/warehouses/east", R"({"priority": -2147483649})", 400,
       "field 'priority' is out of range"},
      {"priority_enormous", "PUT", "/warehouses/east", R"({"priority": 99999999999999999999999})",
       400, "field 'priority' must be an integer"},
      {"priority_string", "PUT", "/warehouses/east", R"({"priority": "1"})", 400,
       "field 'priority' must be an integer"},
      {"priority_float", "PUT", "/warehouses/east", R"({"priority": 1.5})", 400,
       "field 'priority' must be an integer"},
      {"priority_null", "PUT", "/warehouses/east", R"({"priority": null})", 400,
       "field 'priority' must be an integer"},
      {"priority_missing", "PUT", "/warehouses/east", "{}", 400, "missing field 'priority'"},
      {"priority_unknown_field", "PUT", "/warehouses/east", R"({"priority": 1, "rank": 2})", 400,
       "unknown field 'rank'"},
      {"priority_array", "PUT", "/warehouses/east", "[1]", 400, "JSON object"},
      {"priority_empty_body", "PUT", "/warehouses/east", "", 400, "the body is empty"},
      {"warehouse_long_id", "PUT", "/warehouses/" + long_id, R"({"priority": 1})", 400,
       "'id' is longer than 255"},
      {"warehouse_control_character", "PUT", "/warehouses/e%01", R"({"priority": 1})", 400,
       "control characters"},
      {"warehouses_post", "POST", "/warehouses", "{}", 405, "GET"},
      {"warehouse_get", "GET", "/warehouses/east", "", 405, "PUT"},
      {"batch_impossible_expires", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "expires": "2030-02-30"})", 400,
       "field 'expires' must be a real date YYYY-MM-DD"},
      {"batch_numeric_expires", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "expires": 20300101})", 400,
       "field 'expires' must be a date YYYY-MM-DD or null"},
      {"batch_expires_with_time", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "expires": "2030-01-01T00:00:00Z"})", 400,
       "field 'expires' must be a real date"},
      {"batch_empty_warehouse", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "warehouse": ""})", 400,
       "field 'warehouse' must not be empty"},
      {"batch_numeric_warehouse", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "warehouse": 3})", 400,
       "field 'warehouse' must be a string"},
      {"batch_long_warehouse", "POST", "/add_batch",
       R"({"ref": "b9", "sku": "LAMP", "qty": 1, "warehouse": ")" + long_id + R"("})", 400,
       "field 'warehouse' is longer than 255"},
      {"batch_again_in_another_warehouse", "POST", "/add_batch",
       R"({"ref": "b1", "sku": "LAMP", "qty": 10, "warehouse": "east"})", 409, "b1"},
      {"batch_again_with_an_expiry_date", "POST", "/add_batch",
       R"({"ref": "b1", "sku": "LAMP", "qty": 10, "expires": "2999-01-01"})", 409, "b1"},
      {"allocate_empty_warehouse", "POST", "/allocate",
       R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "warehouse": ""})", 400,
       "field 'warehouse' must not be empty"},
      {"allocate_numeric_warehouse", "POST", "/allocate",
       R"({"orderid": "o1", "sku": "LAMP", "qty": 1, "warehouse": 1})", 400,
       "field 'warehouse' must be a string"},
  };
  return all;
}

class BadInput : public EndToEnd {
 protected:
  void SetUp() override {
    EndToEnd::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    add_batch("b1", "LAMP", 10, nullptr);
    ASSERT_EQ(allocate("o0", "LAMP", 2).status, 202);
    add_batch("b2", "DESK", 5, nullptr);
    ASSERT_EQ(post("/reservations", json{{"id", "h0"}, {"sku", "LAMP"}, {"qty", 1}}).status, 201);
    ASSERT_EQ(send({"", "PUT", "/warehouses/east", R"({"priority": 5})", 200, ""}).status, 200);
  }

  Reply send(const BadRequestCase& c) const {
    auto client = service->client();
    const std::string method = c.method;
    if (method == "GET") return reply(client.Get(c.path));
    if (method == "PUT") return reply(client.Put(c.path, c.body, c.content_type));
    if (method == "DELETE") return reply(client.Delete(c.path));
    if (method == "PATCH") return reply(client.Patch(c.path, c.body, c.content_type));
    return reply(client.Post(c.path, c.body, c.content_type));
  }
};

TEST_P(BadInput, EachGetsAClearErrorAndChangesNothing) {
  const json before = get("/products/LAMP").body;
  const json desk_before = get("/products/DESK").body;
  const json hold_before = get("/reservations/h0").body;
  const json warehouses_before = get("/warehouses").body;
  ASSERT_EQ(before["reserved"], 1);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const Reply r = send(c);
    EXPECT_EQ(r.status, c.status) << r.text;
    ASSERT_TRUE(r.body.is_object()) << r.text;
    ASSERT_TRUE(r.body["message"].is_string()) << r.text;
    EXPECT_NE(r.body["message"].get<std::string>().find(c.message_part), std::string::npos)
        << r.body["message"];
    EXPECT_EQ(get("/products/LAMP").body, before) << "something changed";
    EXPECT_EQ(get("/products/DESK").body, desk_before) << "something changed";
    EXPECT_EQ(get("/reservations/h0").body, hold_before) << "the hold changed";
    EXPECT_EQ(get("/warehouses").body, warehouses_before) << "a warehouse changed";
    EXPECT_EQ(get("/health").status, 200) << "the server stopped serving";
  }
  EXPECT_EQ(get("/allocations/o1").status, 404);
  EXPECT_EQ(get("/products/").status, 404);
}

// 405 and 413 are answered before the body is read, but still belong to their route.
TEST_P(BadInput, RefusedRequestsAreCountedUnderTheirRoute) {
  ASSERT_EQ(send({"", "GET", "/allocate", "", 405, ""}).status, 405);
  ASSERT_EQ(send({"", "POST", "/allocate", std::string(70 * 1024, ' '), 413, ""}).status, 413);
  const std::string metrics = get("/metrics").text;
  EXPECT_NE(metrics.find(R"(allocation_http_requests_total{route="/allocate",status="405"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(allocation_http_requests_total{route="/allocate",status="413"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find(R"(route="unmatched",status="405")"), std::string::npos) << metrics;
}

// The limit counts characters, as its message says: 255 of 2 bytes each are 510 bytes.
TEST_P(BadInput, IdsOf255CharactersOfAnyWidthAreTaken) {
  std::string wide;
  for (int i = 0; i < 255; ++i) wide += "\xC3\xA9";
  add_batch(wide, "LAMP-" + wide.substr(0, 200), 5);
  EXPECT_EQ(allocate(wide, "LAMP-" + wide.substr(0, 200), 1).body, (json{{"batchref", wide}}));
  const Reply refused = allocate(wide + "\xC3\xA9", "LAMP", 1);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body["message"], "field 'orderid' is longer than 255 characters");
}

TEST_P(BadInput, StringsThatLookLikeSqlAreData) {
  const std::string orderid = "o1'); DROP TABLE allocations; --";
  const std::string sku = "LAMP\"; DELETE FROM batches; --";
  add_batch("b'2", sku, 5, nullptr);
  EXPECT_EQ(allocate(orderid, sku, 1).body, (json{{"batchref", "b'2"}}));
  std::string encoded;
  for (unsigned char c : orderid) {
    static const char* hex = "0123456789ABCDEF";
    encoded += std::isalnum(c) ? std::string(1, static_cast<char>(c))
                               : std::string{'%', hex[c >> 4], hex[c & 15]};
  }
  const Reply r = reply(service->client().Get("/allocations/" + encoded));
  EXPECT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body, (json::array({{{"sku", sku}, {"batchref", "b'2"}}})));
  EXPECT_EQ(get("/products/LAMP").body["batches"][0]["allocated"], 2);
}

TEST_P(BadInput, GarbageOnTheSocketDoesNotTakeTheServerDown) {
  for (const std::string& garbage : std::vector<std::string>{
           std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
           std::string("GET\r\n\r\n"),
           "POST /allocate HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
           "GET /health HTTP/1.1\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n"}) {
    const int fd = connect_loopback(service->port());
    ASSERT_GE(fd, 0);
    (void)::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    char buffer[4096];
    while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
    }
    ::close(fd);
    EXPECT_EQ(get("/health").status, 200);
  }
}

INSTANTIATE_TEST_SUITE_P(Databases, BadInput,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         backend_test_name);

}  // namespace
}  // namespace allocation::testing
