#pragma once

#include <memory>
#include <mutex>

#include "allocation/adapters/redis/redis_connection.hpp"
#include "allocation/service_layer/ports/event_publisher.hpp"

namespace allocation::adapters::redis {

// Publishes events to Redis channels as JSON (event_json.hpp) with a unique "message_id", so
// that consumers can drop duplicates. One connection, shared under a mutex, opened again after
// it breaks. A publish that fails throws: the bus logs it as a failed event handler.
class RedisPublisher final : public service_layer::EventPublisher {
 public:
  explicit RedisPublisher(RedisAddress address) : address_(std::move(address)) {}

  void publish(std::string_view channel, const domain::Event& event) override;

 private:
  RedisAddress address_;
  std::mutex mutex_;
  std::unique_ptr<RedisConnection> connection_;
};

}  // namespace allocation::adapters::redis
