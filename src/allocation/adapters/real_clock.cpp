#include "allocation/adapters/real_clock.hpp"

#include <thread>

namespace allocation::adapters {

void RealClock::sleep_for(std::chrono::microseconds length) { std::this_thread::sleep_for(length); }

}  // namespace allocation::adapters
