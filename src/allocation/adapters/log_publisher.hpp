#pragma once

#include "allocation/service_layer/ports/event_publisher.hpp"

namespace allocation::adapters {

// Publishes to the log: what leaves the service when no broker is configured.
class LogPublisher final : public service_layer::EventPublisher {
 public:
  void publish(std::string_view channel, const domain::Event& event) override;
};

}  // namespace allocation::adapters
