#pragma once

#include <mutex>
#include <vector>

#include "allocation/service_layer/ports/clock.hpp"

namespace allocation::adapters {

// The clock of tests: sleep_for returns at once and keeps the length it was asked for, in
// order, so a test reads the pauses without waiting through them.
class RecordingClock final : public service_layer::Clock {
 public:
  void sleep_for(std::chrono::microseconds length) override;
  std::vector<std::chrono::microseconds> slept() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::chrono::microseconds> slept_;
};

}  // namespace allocation::adapters
