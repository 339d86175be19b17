#include "allocation/entrypoints/decoding.hpp"

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace allocation::entrypoints {

namespace {

using nlohmann::json;

// Refuses an object that names a key twice: which of the two values was meant is unknown, and
// nlohmann would silently keep the last. One set of keys per object being parsed.
class DuplicateKeyCheck {
 public:
  bool operator()(int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        keys_.emplace_back();
        break;
      case json::parse_event_t::object_end:
        keys_.pop_back();
        break;
      case json::parse_event_t::key: {
        auto& seen = keys_.back();
        const auto& key = parsed.get_ref<const std::string&>();
        if (std::find(seen.begin(), seen.end(), key) != seen.end())
          throw BadRequest("duplicate key '" + key + "' in a JSON object");
        seen.push_back(key);
        break;
      }
      default:
        break;
    }
    return true;
  }

 private:
  std::vector<std::vector<std::string>> keys_;
};

json parse_object(std::string_view text) {
  if (text.empty()) throw BadRequest("the body is empty: expected a JSON object");
  json value;
  try {
    value = json::parse(text, DuplicateKeyCheck{});
  } catch (const json::exception& error) {
    // A syntax error, bytes that are not UTF-8, or a number beyond a double (1e400: found by
    // the fuzzer, it was a 500). nlohmann's "[json.exception...] " prefix says nothing to a
    // client.
    std::string what = error.what();
    if (auto end = what.find("] ");
        what.starts_with("[json.exception") && end != std::string::npos) {
      what.erase(0, end + 2);
    }
    throw BadRequest("malformed JSON: " + what);
  }
  if (!value.is_object()) throw BadRequest("the body must be a JSON object");
  return value;
}

// Refuses a field that `what` (e.g. "a batch") does not have: a misspelt optional field
// ("reservaton") would otherwise be left out without a word, and its request do other work.
void only_fields(const json& object, std::initializer_list<std::string_view> known,
                 const char* what) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string names;
    std::size_t i = 0;
    for (std::string_view name : known) {
      if (i > 0) names += i + 1 == known.size() ? " and " : ", ";
      names.append("'").append(name).append("'");
      ++i;
    }
    throw BadRequest("unknown field '" + key + "': " + what + " has " + names);
  }
}

const json& required(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) throw BadRequest(std::string("missing field '") + name + "'");
  return *it;
}

std::string identifier(const json& object, const char* name) {
  const json& value = required(object, name);
  if (!value.is_string()) throw BadRequest(std::string("field '") + name + "' must be a string");
  std::string text = value.get<std::string>();
  check_identifier(text, name);
  return text;
}

int quantity(const json& object, const char* name, int minimum) {
  const json& value = required(object, name);
  const std::string field = std::string("field '") + name + "'";
  if (!value.is_number_integer()) throw BadRequest(field + " must be an integer");
  // nlohmann keeps a non-negative integer as unsigned, a negative one as signed.
  if (value.is_number_unsigned()) {
    if (value.get<std::uint64_t>() > std::numeric_limits<int>::max()) {
      throw BadRequest(field + " is out of range (at most 2147483647)");
    }
  } else if (value.get<std::int64_t>() < 0) {
    throw BadRequest(field + " must be " + (minimum == 0 ? ">= 0" : "> 0"));
  }
  if (value.get<int>() < minimum) throw BadRequest(field + " must be > 0");
  return value.get<int>();
}

// A whole number of seconds in [kMinTtlSeconds, kMaxTtlSeconds]; `fallback` when absent, if
// given.
std::chrono::seconds ttl(const json& object, const char* name, std::optional<int> fallback) {
  auto it = object.find(name);
  if (it == object.end() && fallback) return std::chrono::seconds(*fallback);
  const json& value = required(object, name);
  const std::string field = std::string("field '") + name + "'";
  const std::string range =
      std::to_string(kMinTtlSeconds) + ".." + std::to_string(kMaxTtlSeconds) + " seconds";
  if (!value.is_number_integer()) throw BadRequest(field + " must be an integer, " + range);
  const bool in_range = value.is_number_unsigned()
                            ? value.get<std::uint64_t>() >= kMinTtlSeconds &&
                                  value.get<std::uint64_t>() <= kMaxTtlSeconds
                            : false;  // a negative number
  if (!in_range) throw BadRequest(field + " is out of range: " + range);
  return std::chrono::seconds(value.get<int>());
}

std::optional<std::string> optional_identifier(const json& object, const char* name) {
  if (!object.contains(name)) return std::nullopt;
  return identifier(object, name);
}

std::optional<domain::Date> optional_date(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  const std::string field = std::string("field '") + name + "'";
  if (!it->is_string()) throw BadRequest(field + " must be a date YYYY-MM-DD or null");
  auto date = domain::parse_date(it->get<std::string>());
  if (!date) throw BadRequest(field + " must be a real date YYYY-MM-DD");
  return date;
}

// true or false; absent is false.
bool optional_flag(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return false;
  if (!it->is_boolean())
    throw BadRequest(std::string("field '") + name + "' must be true or false");
  return it->get<bool>();
}

// Any 32-bit integer: a warehouse's priority.
int whole_int(const json& object, const char* name) {
  const json& value = required(object, name);
  const std::string field = std::string("field '") + name + "'";
  const bool in_range =
      value.is_number_unsigned()  ? value.get<std::uint64_t>() <= std::numeric_limits<int>::max()
      : value.is_number_integer() ? value.get<std::int64_t>() >= std::numeric_limits<int>::min()
                                  : false;
  if (!value.is_number_integer()) throw BadRequest(field + " must be an integer");
  if (!in_range) throw BadRequest(field + " is out of range (-2147483648 to 2147483647)");
  return value.get<int>();
}

}  // namespace

std::size_t code_points(std::string_view utf8) {
  // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
  return static_cast<std::size_t>(
      std::count_if(utf8.begin(), utf8.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

namespace {

// Checks an identifier's text; `field` names it in the messages ("field 'sku'").
void check_identifier_text(std::string_view value, const std::string& field) {
  const auto too_long = [&] {
    return BadRequest(field + " is longer than " + std::to_string(kMaxIdentifierLength) +
                      " characters");
  };
  if (value.empty()) throw BadRequest(field + " must not be empty");
  // At most 4 bytes a code point: longer is too long whatever it holds, and is not scanned.
  if (value.size() > 4 * kMaxIdentifierLength) throw too_long();
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) throw BadRequest(field + " must not contain control characters");
  }
  // Path segments did not pass through the JSON parser's UTF-8 check.
  try {
    (void)json(std::string(value)).dump();
  } catch (const json::type_error&) {
    throw BadRequest(field + " must be UTF-8");
  }
  if (code_points(value) > kMaxIdentifierLength) throw too_long();
}

}  // namespace

void check_identifier(std::string_view value, const char* name) {
  check_identifier_text(value, std::string("field '") + name + "'");
}

domain::commands::CreateBatch decode_create_batch(std::string_view text) {
  const json body = parse_object(text);
  only_fields(body, {"ref", "sku", "qty", "eta", "warehouse", "expires"}, "a batch");
  // null says what leaving the field out says, as for eta.
  auto warehouse = body.contains("warehouse") && body["warehouse"].is_null()
                       ? std::nullopt
                       : optional_identifier(body, "warehouse");
  return {identifier(body, "ref"),
          identifier(body, "sku"),
          quantity(body, "qty", 0),
          optional_date(body, "eta"),
          warehouse.value_or(std::string(domain::kDefaultWarehouse)),
          optional_date(body, "expires")};
}

domain::commands::Allocate decode_allocate(std::string_view text) {
  const json body = parse_object(text);
  only_fields(body, {"orderid", "sku", "qty", "reservation", "warehouse", "split"},
              "an allocation");
  return {identifier(body, "orderid"),
          identifier(body, "sku"),
          quantity(body, "qty", 1),
          optional_identifier(body, "reservation"),
          optional_identifier(body, "warehouse"),
          optional_flag(body, "split")};
}

domain::commands::SetWarehousePriority decode_set_warehouse_priority(std::string id,
                                                                     std::string_view text) {
  const json body = parse_object(text);
  only_fields(body, {"priority"}, "a warehouse");
  return {std::move(id), whole_int(body, "priority")};
}

domain::commands::Reserve decode_reserve(std::string_view text) {
  const json body = parse_object(text);
  only_fields(body, {"id", "sku", "qty", "ttl_s"}, "a hold");
  return {optional_identifier(body, "id"), identifier(body, "sku"), quantity(body, "qty", 1),
          ttl(body, "ttl_s", kDefaultTtlSeconds)};
}

domain::commands::ExtendReservation decode_extend_reservation(std::string id,
                                                              std::string_view text) {
  const json body = parse_object(text);
  only_fields(body, {"ttl_s"}, "an extension");
  return {std::move(id), ttl(body, "ttl_s", std::nullopt)};
}

domain::commands::ChangeBatchQuantity decode_change_batch_quantity(std::string_view text) {
  const json body = parse_object(text);
  only_fields(body, {"ref", "qty"}, "a change of quantity");
  return {identifier(body, "ref"), quantity(body, "qty", 0)};
}

domain::commands::Deallocate decode_deallocate(std::string_view text) {
  const json body = parse_object(text);
  only_fields(body, {"orderid", "sku"}, "a deallocation");
  return {identifier(body, "orderid"), identifier(body, "sku")};
}

domain::commands::SetProductPolicy decode_set_product_policy(std::string sku,
                                                             std::string_view text) {
  const json body = parse_object(text);
  domain::commands::SetProductPolicy command{std::move(sku), std::nullopt, std::nullopt};
  only_fields(body, {"backorders", "low_stock_threshold"}, "a product's policy");
  if (body.contains("backorders")) command.backorders = optional_flag(body, "backorders");
  if (auto threshold = body.find("low_stock_threshold"); threshold != body.end()) {
    command.low_stock_threshold =
        threshold->is_null() ? std::optional<int>() : quantity(body, "low_stock_threshold", 0);
  }
  return command;
}

domain::commands::ChangeBatchQuantity decode_change_batch_quantity_message(std::string_view text) {
  const json body = parse_object(text);
  domain::commands::ChangeBatchQuantity command{identifier(body, "batchref"),
                                                quantity(body, "qty", 0)};
  if (auto id = body.find("message_id"); id != body.end() && id->is_string()) {
    command.message_id = id->get<std::string>();
  }
  return command;
}

namespace {

// `text` as a whole number in [minimum, maximum] (decimal digits only: no sign, space or
// exponent; leading zeros allowed), or nullopt. `maximum` is at least 9.
std::optional<long long> whole_number(std::string_view text, long long minimum, long long maximum) {
  if (text.empty()) return std::nullopt;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    // Checked before it is added, not by counting digits: 19 of them may still fit (the largest
    // seq), and any number of leading zeros does.
    if (value > (maximum - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (value < minimum) return std::nullopt;
  return value;
}

// The `limit` query parameter of a page: 1..maximum.
int page_limit(std::string_view text, int maximum) {
  const auto value = whole_number(text, 1, maximum);
  if (!value) {
    throw BadRequest("query parameter 'limit' must be a whole number from 1 to " +
                     std::to_string(maximum));
  }
  return static_cast<int>(*value);
}

}  // namespace

domain::commands::CreateBatch decode_batch_row(const BatchRow& row) {
  const auto column = [](const char* name) { return std::string("column '") + name + "'"; };
  const auto date = [&](const std::string& text, const char* name) -> std::optional<domain::Date> {
    if (text.empty()) return std::nullopt;
    auto parsed = domain::parse_date(text);
    if (!parsed) throw BadRequest(column(name) + " must be a real date YYYY-MM-DD, or empty");
    return parsed;
  };
  check_identifier_text(row.ref, column("ref"));
  check_identifier_text(row.sku, column("sku"));
  const auto qty = whole_number(row.qty, 0, std::numeric_limits<int>::max());
  if (!qty) throw BadRequest(column("qty") + " must be a whole number from 0 to 2147483647");
  if (!row.warehouse.empty()) check_identifier_text(row.warehouse, column("warehouse"));
  return {row.ref,
          row.sku,
          static_cast<int>(*qty),
          date(row.eta, "eta"),
          row.warehouse.empty() ? std::string(domain::kDefaultWarehouse) : row.warehouse,
          date(row.expires, "expires")};
}

MovementsQuery decode_movements_query(std::optional<std::string_view> after,
                                      std::optional<std::string_view> limit) {
  MovementsQuery query;
  if (after) {
    const auto value = whole_number(*after, 0, std::numeric_limits<long long>::max());
    if (!value) throw BadRequest("query parameter 'after' must be a whole number >= 0");
    query.after = *value;
  }
  if (limit) query.limit = page_limit(*limit, kMaxMovementsLimit);
  return query;
}

ProductsQuery decode_products_query(std::optional<std::string_view> after,
                                    std::optional<std::string_view> limit) {
  ProductsQuery query;
  if (after) {
    check_identifier_text(*after, "query parameter 'after'");
    query.after = *after;
  }
  if (limit) query.limit = page_limit(*limit, kMaxProductsLimit);
  return query;
}

}  // namespace allocation::entrypoints
