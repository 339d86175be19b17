#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace allocation::domain {

// A calendar date with no time zone: when a shipment is expected.
using Date = std::chrono::year_month_day;

// Parses exactly "YYYY-MM-DD"; nullopt for any other shape and for impossible dates
// ("2030-02-30").
std::optional<Date> parse_date(std::string_view text);

// "YYYY-MM-DD".
std::string format_date(const Date& date);

}  // namespace allocation::domain
