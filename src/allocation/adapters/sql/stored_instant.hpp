#pragma once

#include <chrono>

#include "allocation/domain/hold.hpp"

// An instant as both databases store it: BIGINT milliseconds since 1970 UTC (a hold's expiry,
// when an answer to an idempotency key was recorded).
namespace allocation::adapters::sql {

inline long long stored_instant(domain::Instant instant) {
  return instant.time_since_epoch().count();
}

inline domain::Instant instant_from_store(long long milliseconds) {
  return domain::Instant(std::chrono::milliseconds(milliseconds));
}

}  // namespace allocation::adapters::sql
