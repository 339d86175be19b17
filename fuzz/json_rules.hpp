#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "text_rules.hpp"

// The grammar of a JSON body as decoding.hpp documents it, checked here field by field apart
// from the decoders' code: what they accept and what they return is compared with it.
namespace allocation::fuzz {

using nlohmann::json;

// `text` as one JSON object in which no object names a key twice (which of the two was meant
// is unknown); nullopt for anything else.
inline std::optional<json> json_object(std::string_view text) {
  std::vector<std::set<std::string>> keys;  // per object being parsed
  bool duplicate = false;
  const json::parser_callback_t note_keys = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      keys.pop_back();
    } else if (event == json::parse_event_t::key) {
      duplicate |= !keys.back().insert(parsed.get<std::string>()).second;
    }
    return true;
  };
  json value;
  try {
    value = json::parse(text, note_keys, /*allow_exceptions=*/false);
  } catch (const json::exception&) {
    return std::nullopt;
  }
  if (value.is_discarded() || duplicate || !value.is_object()) return std::nullopt;
  return value;
}

// The object's member `key`, or nullptr.
inline const json* member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// A member that is a string holding an identifier.
inline std::optional<std::string> identifier_member(const json& object, const char* key) {
  const json* value = member(object, key);
  if (!value || !value->is_string() || !is_identifier(value->get_ref<const std::string&>())) {
    return std::nullopt;
  }
  return value->get<std::string>();
}

// A member that is a JSON integer (not 1.0, not 1e2) in [minimum, maximum].
inline std::optional<long long> integer_member(const json& object, const char* key,
                                               long long minimum, long long maximum) {
  const json* value = member(object, key);
  if (!value || !value->is_number_integer()) return std::nullopt;
  long long number = 0;
  if (value->is_number_unsigned()) {
    const auto u = value->get<std::uint64_t>();
    if (maximum < 0 || u > static_cast<std::uint64_t>(maximum)) return std::nullopt;
    number = static_cast<long long>(u);
  } else {
    number = value->get<std::int64_t>();
  }
  if (number < minimum || number > maximum) return std::nullopt;
  return number;
}

// Whether every member's key is one of `known`.
inline bool only_members(const json& object, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (std::string_view name : known) found |= key == name;
    if (!found) return false;
  }
  return true;
}

}  // namespace allocation::fuzz
