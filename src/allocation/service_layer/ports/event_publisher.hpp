#pragma once

#include <string_view>

#include "allocation/domain/events.hpp"

namespace allocation::service_layer {

// Port: hands events to other systems through an external message broker, on a named
// channel. Safe to use from many threads.
class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  virtual void publish(std::string_view channel, const domain::Event& event) = 0;
};

}  // namespace allocation::service_layer
