#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "allocation/adapters/broker/message_consumer.hpp"
#include "allocation/adapters/broker/message_publisher.hpp"
#include "allocation/adapters/redis/redis_connection.hpp"
#include "allocation/bootstrap/settings.hpp"

namespace allocation::bootstrap {

// The message broker the settings name, picked by the URL's scheme (SPEC §9):
// - redis://     Redis pub/sub, part one's: delivered to whoever listens at that moment;
// - redis-streams://  Redis Streams with a consumer group: kept until acknowledged.
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

 private:
  enum class Kind { pubsub, streams };
  static Kind kind_of(std::string_view url);

  Kind kind_;
  adapters::redis::RedisAddress address_;
  std::string shown_url_;
  long long stream_max_length_;
  std::chrono::seconds claim_after_;
  int max_deliveries_;
  std::string consumer_name_;
};

}  // namespace allocation::bootstrap
