#pragma once

#include <mutex>
#include <string_view>
#include <vector>

#include "allocation/service_layer/ports/event_publisher.hpp"

namespace allocation::adapters {

// Keeps what was published, in order, in memory: the publisher of tests and of a service run
// without a broker.
class RecordingPublisher final : public service_layer::EventPublisher {
 public:
  void publish(const service_layer::ExternalMessage& message) override;
  std::vector<service_layer::ExternalMessage> published() const;
  // Those published on `channel`, in order.
  std::vector<service_layer::ExternalMessage> published(std::string_view channel) const;

 private:
  mutable std::mutex mutex_;
  std::vector<service_layer::ExternalMessage> published_;
};

}  // namespace allocation::adapters
