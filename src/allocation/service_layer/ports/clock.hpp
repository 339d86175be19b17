#pragma once

#include <chrono>

namespace allocation::service_layer {

// Port: where the service's time comes from, so that tests replace it and never sleep to wait
// for it. Today the bus only lets time pass (its pauses between retries); a reading of the
// time belongs here too when a feature needs one. Safe to use from many threads.
class Clock {
 public:
  virtual ~Clock() = default;
  // Returns once `length` has passed (for the real clock; a fake may return at once).
  virtual void sleep_for(std::chrono::microseconds length) = 0;
};

}  // namespace allocation::service_layer
