#include "allocation/adapters/in_memory/recording_publisher.hpp"

namespace allocation::adapters {

void RecordingPublisher::publish(const service_layer::ExternalMessage& message) {
  std::lock_guard lock(mutex_);
  published_.push_back(message);
}

std::vector<service_layer::ExternalMessage> RecordingPublisher::published() const {
  std::lock_guard lock(mutex_);
  return published_;
}

}  // namespace allocation::adapters
