#pragma once

#include <chrono>

#include "allocation/domain/date.hpp"

// Arrival and expiry dates of batches in the domain's tests, where only their order matters:
// one place for them, as the tests of one binary are compiled together (CMAKE_UNITY_BUILD).
inline constexpr allocation::domain::Date kYesterday{std::chrono::year{2029} / 12 / 31};
inline constexpr allocation::domain::Date kToday{std::chrono::year{2030} / 1 / 1};
inline constexpr allocation::domain::Date kTomorrow{std::chrono::year{2030} / 1 / 2};
inline constexpr allocation::domain::Date kLater{std::chrono::year{2030} / 1 / 10};
