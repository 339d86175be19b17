#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <utility>

namespace allocation::adapters {

// Waits `length`, or less when `stop` is requested meanwhile; false when stopped.
inline bool sleep_unless_stopped(std::stop_token stop, std::chrono::milliseconds length) {
  std::mutex mutex;
  std::condition_variable_any woken;
  std::unique_lock lock(mutex);
  woken.wait_for(lock, stop, length, [] { return false; });  // only a stop ends it early
  return !stop.stop_requested();
}

// The pauses between attempts at something that fails while a server is away: from `first`,
// doubling up to `max`, back to `first` after a success.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds max)
      : first_(first), max_(max), next_(first) {}

  std::chrono::milliseconds next() const { return next_; }
  void succeeded() { next_ = first_; }
  // Waits the next pause and doubles it; false when `stop` cut it short.
  bool wait(std::stop_token stop) {
    const auto pause = std::exchange(next_, std::min(max_, next_ * 2));
    return sleep_unless_stopped(stop, pause);
  }

 private:
  std::chrono::milliseconds first_, max_, next_;
};

}  // namespace allocation::adapters
