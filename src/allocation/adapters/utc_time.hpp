#pragma once

#include <chrono>
#include <string>

namespace allocation::adapters {

// `time` as RFC 3339 in UTC to the millisecond ("2026-12-04T16:19:04.123Z"): fixed width, so
// that the text sorts as the time does.
std::string format_utc(std::chrono::system_clock::time_point time);

}  // namespace allocation::adapters
