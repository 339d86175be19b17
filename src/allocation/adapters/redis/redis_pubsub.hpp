#pragma once

#include "allocation/adapters/broker/message_consumer.hpp"
#include "allocation/adapters/broker/message_publisher.hpp"
#include "allocation/adapters/redis/redis_connection.hpp"

namespace allocation::adapters::redis {

// Part one's broker: Redis pub/sub, which hands a message to whoever subscribes at that moment
// and keeps nothing. confirm() means Redis received the messages, not that anybody did.
class PubSubPublisher final : public broker::MessagePublisher {
 public:
  // Throws std::runtime_error when Redis cannot be reached.
  explicit PubSubPublisher(const RedisAddress& address) : connection_(address) {}

  void publish(std::string_view channel, std::string_view payload) override;
  void confirm() override;

 private:
  RedisConnection connection_;
  int unconfirmed_ = 0;  // PUBLISHes sent whose replies are not read yet
};

// The messages of a channel published from now on. Nothing is delivered again:
// acknowledge() and dead_letter() have nothing to tell Redis.
class PubSubConsumer final : public broker::MessageConsumer {
 public:
  // Subscribes. Throws std::runtime_error when Redis cannot be reached.
  PubSubConsumer(const RedisAddress& address, std::string_view channel);

  std::optional<broker::Delivery> next(std::chrono::milliseconds wait) override;
  void acknowledge(const broker::Delivery&) override {}
  void dead_letter(const broker::Delivery&, std::string_view) override {}

 private:
  RedisConnection connection_;
};

}  // namespace allocation::adapters::redis
