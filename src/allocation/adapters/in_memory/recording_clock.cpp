#include "allocation/adapters/in_memory/recording_clock.hpp"

namespace allocation::adapters {

void RecordingClock::sleep_for(std::chrono::microseconds length) {
  std::lock_guard lock(mutex_);
  slept_.push_back(length);
}

std::vector<std::chrono::microseconds> RecordingClock::slept() const {
  std::lock_guard lock(mutex_);
  return slept_;
}

std::chrono::system_clock::time_point RecordingClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void RecordingClock::set_now(std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  now_ = now;
}

std::chrono::system_clock::time_point RecordingClock::advance(
    std::chrono::system_clock::duration length) {
  std::lock_guard lock(mutex_);
  now_ += length;
  return now_;
}

}  // namespace allocation::adapters
