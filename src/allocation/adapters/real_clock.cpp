#include "allocation/adapters/real_clock.hpp"

#include <thread>

namespace allocation::adapters {

void RealClock::sleep_for(std::chrono::microseconds length) { std::this_thread::sleep_for(length); }

std::chrono::system_clock::time_point RealClock::now() const {
  return std::chrono::system_clock::now();
}

}  // namespace allocation::adapters
