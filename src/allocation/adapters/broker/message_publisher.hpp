#pragma once

#include <string_view>

namespace allocation::adapters::broker {

// Port: hands the outbox's messages to a message broker over one connection (Redis pub/sub,
// Redis Streams, RabbitMQ). The outbox forgets a message only after confirm() has returned, so
// a message the broker did not take is sent again. Used by one thread at a time.
class MessagePublisher {
 public:
  virtual ~MessagePublisher() = default;

  // Sends a message on its channel; may return before the broker has it. Throws
  // std::runtime_error when it cannot be sent.
  virtual void publish(std::string_view channel, std::string_view payload) = 0;
  // Returns once the broker has taken every message published since the last call. Throws
  // std::runtime_error when it may not have taken them all.
  virtual void confirm() = 0;
};

}  // namespace allocation::adapters::broker
