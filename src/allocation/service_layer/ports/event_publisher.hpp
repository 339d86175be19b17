#pragma once

#include "allocation/service_layer/external_messages.hpp"

namespace allocation::service_layer {

// Port: hands messages to other systems through an external message broker, each on its
// channel. Safe to use from many threads.
class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  virtual void publish(const ExternalMessage& message) = 0;
};

}  // namespace allocation::service_layer
