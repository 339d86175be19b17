#include "allocation/entrypoints/decoding.hpp"

#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace allocation::entrypoints {

namespace {

using nlohmann::json;

json parse_object(std::string_view text) {
  json value;
  try {
    value = json::parse(text);
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

std::optional<domain::Date> optional_date(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  const std::string field = std::string("field '") + name + "'";
  if (!it->is_string()) throw BadRequest(field + " must be a date YYYY-MM-DD or null");
  auto date = domain::parse_date(it->get<std::string>());
  if (!date) throw BadRequest(field + " must be a real date YYYY-MM-DD");
  return date;
}

}  // namespace

void check_identifier(std::string_view value, const char* name) {
  const std::string field = std::string("field '") + name + "'";
  if (value.empty()) throw BadRequest(field + " must not be empty");
  if (value.size() > kMaxIdentifierLength) {
    throw BadRequest(field + " is longer than " + std::to_string(kMaxIdentifierLength) +
                     " characters");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) throw BadRequest(field + " must not contain control characters");
  }
  // Path segments did not pass through the JSON parser's UTF-8 check.
  try {
    (void)json(std::string(value)).dump();
  } catch (const json::type_error&) {
    throw BadRequest(field + " must be UTF-8");
  }
}

domain::commands::CreateBatch decode_create_batch(std::string_view text) {
  const json body = parse_object(text);
  return {identifier(body, "ref"), identifier(body, "sku"), quantity(body, "qty", 0),
          optional_date(body, "eta")};
}

domain::commands::Allocate decode_allocate(std::string_view text) {
  const json body = parse_object(text);
  return {identifier(body, "orderid"), identifier(body, "sku"), quantity(body, "qty", 1)};
}

domain::commands::ChangeBatchQuantity decode_change_batch_quantity(std::string_view text) {
  const json body = parse_object(text);
  return {identifier(body, "ref"), quantity(body, "qty", 0)};
}

BrokerMessage decode_change_batch_quantity_message(std::string_view text) {
  const json body = parse_object(text);
  BrokerMessage message{{identifier(body, "batchref"), quantity(body, "qty", 0)}, std::nullopt};
  if (auto id = body.find("message_id"); id != body.end() && id->is_string()) {
    message.message_id = id->get<std::string>();
  }
  return message;
}

}  // namespace allocation::entrypoints
