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

std::vector<service_layer::ExternalMessage> RecordingPublisher::published(
    std::string_view channel) const {
  std::lock_guard lock(mutex_);
  std::vector<service_layer::ExternalMessage> on_channel;
  for (const auto& message : published_) {
    if (message.channel == channel) on_channel.push_back(message);
  }
  return on_channel;
}

}  // namespace allocation::adapters
