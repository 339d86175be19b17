#pragma once

#include <optional>
#include <string>

#include "allocation/domain/date.hpp"

// A calendar date as both databases store it: TEXT "YYYY-MM-DD", NULL for none (a batch's eta
// and expiry date).
namespace allocation::adapters::sql {

inline std::optional<std::string> stored_date(const std::optional<domain::Date>& date) {
  return date ? std::optional(domain::format_date(*date)) : std::nullopt;
}

inline std::optional<domain::Date> date_from_store(const std::optional<std::string>& text) {
  return text ? domain::parse_date(*text) : std::nullopt;
}

}  // namespace allocation::adapters::sql
