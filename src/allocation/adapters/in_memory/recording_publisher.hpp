#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "allocation/service_layer/ports/event_publisher.hpp"

namespace allocation::adapters {

struct PublishedMessage {
  std::string channel;
  domain::Event event;
};

// Keeps what was published, in order, in memory: the publisher of tests and of a service run
// without a broker.
class RecordingPublisher final : public service_layer::EventPublisher {
 public:
  void publish(std::string_view channel, const domain::Event& event) override;
  std::vector<PublishedMessage> published() const;

 private:
  mutable std::mutex mutex_;
  std::vector<PublishedMessage> published_;
};

}  // namespace allocation::adapters
