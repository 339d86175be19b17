#include "allocation/adapters/in_memory/recording_notifications.hpp"

namespace allocation::adapters {

void RecordingNotifications::send(std::string_view subject, std::string_view body) {
  std::lock_guard lock(mutex_);
  sent_.push_back({std::string(subject), std::string(body)});
}

std::vector<SentNotification> RecordingNotifications::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

}  // namespace allocation::adapters
