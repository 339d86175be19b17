#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "allocation/adapters/amqp/amqp_connection.hpp"
#include "allocation/adapters/broker/broker_counters.hpp"
#include "allocation/adapters/broker/message_consumer.hpp"
#include "allocation/adapters/broker/message_publisher.hpp"
#include "allocation/adapters/redis/redis_connection.hpp"
#include "allocation/bootstrap/settings.hpp"

namespace allocation::bootstrap {

// The message broker the settings name, picked by the URL's scheme (SPEC §9):
// - redis://     Redis pub/sub, part one's: delivered to whoever listens at that moment;
// - redis-streams://  Redis Streams with a consumer group: kept until acknowledged;
// - amqp://      RabbitMQ: a durable exchange and queues, publisher confirms, manual acks.
class Broker {
 public:
  // Throws std::invalid_argument for a malformed URL or an unknown scheme, naming it without
  // its password.
  Broker(std::string_view url, const Settings& settings);

  // A new connection each; each throws std::runtime_error when the broker cannot be reached.
  std::unique_ptr<adapters::broker::MessagePublisher> publisher() const;
  std::unique_ptr<adapters::broker::MessageConsumer> consumer(std::string_view channel) const;

  // The URL as it may be shown: without its password.
  const std::string& shown_url() const { return shown_url_; }
  // Deliveries of a message before the consumer gives up on it.
  int max_deliveries() const { return max_deliveries_; }
  // What went through it, counted by the relay and the consumer, for /metrics.
  const std::shared_ptr<adapters::broker::BrokerCounters>& counters() const { return counters_; }

 private:
  // One alternative per broker: its address and options, and how to open its publisher and a
  // consumer (new connections each).
  struct RedisPubSub {
    adapters::redis::RedisAddress address;
    std::unique_ptr<adapters::broker::MessagePublisher> publisher() const;
    std::unique_ptr<adapters::broker::MessageConsumer> consumer(std::string_view channel) const;
  };
  struct RedisStreams {
    adapters::redis::RedisAddress address;
    long long max_length;
    std::chrono::seconds claim_after;
    std::string consumer_name;
    std::unique_ptr<adapters::broker::MessagePublisher> publisher() const;
    std::unique_ptr<adapters::broker::MessageConsumer> consumer(std::string_view channel) const;
  };
  struct RabbitMq {
    adapters::amqp::AmqpAddress address;
    std::unique_ptr<adapters::broker::MessagePublisher> publisher() const;
    std::unique_ptr<adapters::broker::MessageConsumer> consumer(std::string_view channel) const;
  };
  using Chosen = std::variant<RedisPubSub, RedisStreams, RabbitMq>;
  static Chosen choose(std::string_view url, const Settings& settings);

  Chosen chosen_;
  std::string shown_url_;
  int max_deliveries_;
  std::shared_ptr<adapters::broker::BrokerCounters> counters_ =
      std::make_shared<adapters::broker::BrokerCounters>();
};

}  // namespace allocation::bootstrap
