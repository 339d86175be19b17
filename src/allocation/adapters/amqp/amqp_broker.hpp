#pragma once

#include <optional>
#include <string>

#include "allocation/adapters/amqp/amqp_connection.hpp"
#include "allocation/adapters/broker/message_consumer.hpp"
#include "allocation/adapters/broker/message_publisher.hpp"

namespace allocation::adapters::amqp {

// The exchange every message goes through (SPEC §9): durable, topic, routing key = channel.
inline constexpr std::string_view kExchange = "allocation";

// RabbitMQ as the broker (SPEC §9): persistent messages to the exchange, with publisher
// confirms.
class AmqpPublisher final : public broker::MessagePublisher {
 public:
  // Connects, declares the exchange and selects confirms. Throws std::runtime_error.
  explicit AmqpPublisher(const AmqpAddress& address);

  void publish(std::string_view channel, std::string_view payload) override;
  // Returns once RabbitMQ acked every message: written to its disk (persistent messages to
  // durable queues), or routed to no queue.
  void confirm() override;

 private:
  AmqpConnection connection_;
};

// The durable quorum queue "allocation.<channel>", bound to the exchange with the channel's
// name, consumed with manual acknowledgements and at most `prefetch` unacknowledged at once.
// Dead letters go, with a header "reason", to "allocation.<channel>.dead" (routing key
// "<channel>.dead"), over a connection of their own with confirms.
class AmqpConsumer final : public broker::MessageConsumer {
 public:
  // Connects and declares the exchange and both queues. Throws std::runtime_error.
  AmqpConsumer(const AmqpAddress& address, std::string_view channel, int prefetch = 16);

  std::optional<broker::Delivery> next(std::chrono::milliseconds wait) override;
  void acknowledge(const broker::Delivery& delivery) override;
  void dead_letter(const broker::Delivery& delivery, std::string_view reason) override;
  // The queue's ready messages, read before consuming and then about every second.
  std::optional<long long> lag() const override { return lag_; }

 private:
  void read_lag();

  AmqpConnection connection_;
  AmqpConnection dead_letters_;  // publishes with confirms, and reads the queue's depth
  std::string queue_;
  std::string dead_letter_key_;
  std::optional<long long> lag_;
  std::chrono::steady_clock::time_point next_lag_read_;
};

}  // namespace allocation::adapters::amqp
