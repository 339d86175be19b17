#include "allocation/adapters/in_memory/recording_publisher.hpp"

namespace allocation::adapters {

void RecordingPublisher::publish(std::string_view channel, const domain::Event& event) {
  std::lock_guard lock(mutex_);
  published_.push_back({std::string(channel), event});
}

std::vector<PublishedMessage> RecordingPublisher::published() const {
  std::lock_guard lock(mutex_);
  return published_;
}

}  // namespace allocation::adapters
