#pragma once

#include <mutex>
#include <vector>

#include "allocation/service_layer/ports/clock.hpp"

namespace allocation::adapters {

// The clock of tests: sleep_for returns at once and keeps the length it was asked for, in
// order, so a test reads the pauses without waiting through them. now() is what the test set
// (set_now), and does not move by itself: sleeping does not advance it; advance() moves it on,
// so that a test passes a hold's expiry without waiting for it.
class RecordingClock final : public service_layer::Clock {
 public:
  void sleep_for(std::chrono::microseconds length) override;
  std::vector<std::chrono::microseconds> slept() const;
  std::chrono::system_clock::time_point now() const override;
  void set_now(std::chrono::system_clock::time_point now);
  // Moves now() on by `length` (thread-safe, like every member) and returns the new time.
  std::chrono::system_clock::time_point advance(std::chrono::system_clock::duration length);

 private:
  mutable std::mutex mutex_;
  std::vector<std::chrono::microseconds> slept_;
  std::chrono::system_clock::time_point now_{};  // 1970-01-01T00:00:00Z until set
};

}  // namespace allocation::adapters
