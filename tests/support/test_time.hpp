#pragma once

#include <chrono>

#include "allocation/domain/date.hpp"
#include "allocation/domain/hold.hpp"

// The `now` that tests hand to domain operations which take the time, when the time does not
// matter to the test (no hold expires by it).
inline constexpr allocation::domain::Instant kTestNow{
    std::chrono::sys_days{std::chrono::year{2026} / 12 / 4}};

// The day of kTestNow, as read models that count expiry dates take it.
inline constexpr allocation::domain::Date kTestToday{std::chrono::year{2026} / 12 / 4};

// Noon of kTestNow's day: a time of day in events' samples.
inline constexpr allocation::domain::Instant kTestNoon{kTestNow + std::chrono::hours(12)};
