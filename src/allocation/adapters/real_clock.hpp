#pragma once

#include "allocation/service_layer/ports/clock.hpp"

namespace allocation::adapters {

// The machine's time: sleep_for really sleeps, the calling thread only; now() is the system
// clock's. Holds no state, so any
// number of threads may use one at once.
class RealClock final : public service_layer::Clock {
 public:
  void sleep_for(std::chrono::microseconds length) override;
  std::chrono::system_clock::time_point now() const override;
};

}  // namespace allocation::adapters
