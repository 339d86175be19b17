#pragma once

#include <chrono>

#include "allocation/domain/hold.hpp"

namespace allocation::service_layer {

// Port: where the service's time comes from, so that tests replace it and never sleep to wait
// for it: the bus's pauses between retries, and the readings of the time that are stored (the
// `at` of each ledger movement). Safe to use from many threads.
class Clock {
 public:
  virtual ~Clock() = default;
  // Returns once `length` has passed (for the real clock; a fake may return at once).
  virtual void sleep_for(std::chrono::microseconds length) = 0;
  // The time now. Read through the port, not std::chrono directly, because what it returns is
  // stored (a movement's `at`) and answered: a test sets it and asserts on exact values.
  virtual std::chrono::system_clock::time_point now() const = 0;
};

// The time now to the millisecond, as the domain takes it.
inline domain::Instant instant_now(const Clock& clock) {
  return std::chrono::floor<std::chrono::milliseconds>(clock.now());
}

}  // namespace allocation::service_layer
